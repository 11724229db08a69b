terraform import nova_server_group.web 4f72629e-35e6-40de-a648-7f4ae106a7fa

# From another region of the catalog (the provider's region otherwise): <region>/ before the ID
terraform import nova_server_group.web RegionTwo/4f72629e-35e6-40de-a648-7f4ae106a7fa
