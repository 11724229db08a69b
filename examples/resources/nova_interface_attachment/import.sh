# <server_id>/<port_id>
terraform import nova_interface_attachment.backend 8f8deeba-21e1-4724-8f74-f552b98e4064/ce531f90-199f-48c0-816c-13e38010b442

# From another region of the catalog (the provider's region otherwise): <region>/ before the ID
terraform import nova_interface_attachment.backend RegionTwo/8f8deeba-21e1-4724-8f74-f552b98e4064/ce531f90-199f-48c0-816c-13e38010b442
