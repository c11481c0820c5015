from django.db import models


class TenantModel(models.Model):
    """A row of business data: it belongs to exactly one account and never crosses to another."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True
