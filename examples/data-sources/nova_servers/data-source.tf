data "nova_servers" "web" {
  name_regex = "^web-"
  status     = "ACTIVE"
  tags       = ["frontend"]
}

output "tagged_web_addresses" {
  value = { for s in data.nova_servers.web.servers : s.name => s.ipv4 }
}
