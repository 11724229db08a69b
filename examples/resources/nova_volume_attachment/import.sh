# <server_id>/<volume_id>
terraform import nova_volume_attachment.data 8f8deeba-21e1-4724-8f74-f552b98e4064/1b4500e5-40bb-4088-a475-2a1b86966747

# From another region of the catalog (the provider's region otherwise): <region>/ before the ID
terraform import nova_volume_attachment.data RegionTwo/8f8deeba-21e1-4724-8f74-f552b98e4064/1b4500e5-40bb-4088-a475-2a1b86966747
