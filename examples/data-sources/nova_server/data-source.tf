data "nova_server" "web" {
  name = "web-1"
}

output "web_addresses" {
  value = data.nova_server.web.addresses
}
