terraform import nova_flavor.large c3.large

# From another region of the catalog (the provider's region otherwise): <region>/ before the ID
terraform import nova_flavor.large RegionTwo/c3.large
