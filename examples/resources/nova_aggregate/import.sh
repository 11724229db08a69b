terraform import nova_aggregate.ssd 1

# From another region of the catalog (the provider's region otherwise): <region>/ before the ID
terraform import nova_aggregate.ssd RegionTwo/1
