# <project_id>
terraform import nova_quota_set.team 0db92f705dac4ccc97c53e518feba021

# From another region of the catalog (the provider's region otherwise): <region>/ before the ID
terraform import nova_quota_set.team RegionTwo/0db92f705dac4ccc97c53e518feba021
