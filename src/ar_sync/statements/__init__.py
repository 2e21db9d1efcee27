"""Monthly open-item statements: the data (``data``, pure), the PDF (``pdf``), the
``[statements]`` configuration (``config``) and the job (``job.statements_org``)."""
