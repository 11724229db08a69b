data "nova_server_group" "web" {
  name = "web"
}

# null when the group has no such rule
output "max_per_host" {
  value = data.nova_server_group.web.rules.max_server_per_host
}
