# Key pairs are imported by name.
terraform import nova_keypair.laptop laptop
