data "nova_volume_attachments" "web" {
  server_id = data.nova_server.web.id
}

output "web_volume_devices" {
  value = { for a in data.nova_volume_attachments.web.volume_attachments : a.volume_id => a.device }
}
