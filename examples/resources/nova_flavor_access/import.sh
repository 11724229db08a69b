# <flavor_id>/<project_id>
terraform import nova_flavor_access.team c3.large/0db92f705dac4ccc97c53e518feba021
