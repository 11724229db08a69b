# <project_id>
terraform import nova_quota_set.team 0db92f705dac4ccc97c53e518feba021
