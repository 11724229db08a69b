terraform import nova_flavor.large c3.large
