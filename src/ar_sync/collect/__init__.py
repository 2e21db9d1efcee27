"""Collections: the policy (a TOML file), customer segments and the pure planner.

``policy`` holds the policy's model, ``policy_file`` reads and checks the TOML, ``segments``
puts each customer in a segment from their payment record, ``calendar`` says which days and
hours are quiet, ``interest`` quotes late-payment interest, ``templates`` renders messages,
``planner`` turns a ``CollectionBook`` and the journal into an ``OrgPlan`` and ``books``
reads what the planner needs from the store.
"""
