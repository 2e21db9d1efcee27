"""QuickBooks Online connector for ar-sync."""
