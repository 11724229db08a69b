# Key pairs are imported by name.
terraform import nova_keypair.laptop laptop

# From another region of the catalog (the provider's region otherwise): <region>/ before the ID
terraform import nova_keypair.laptop RegionTwo/laptop
