terraform import nova_server.web 8f8deeba-21e1-4724-8f74-f552b98e4064

# From another region of the catalog (the provider's region otherwise): <region>/ before the ID
terraform import nova_server.web RegionTwo/8f8deeba-21e1-4724-8f74-f552b98e4064
