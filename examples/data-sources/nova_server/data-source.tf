data "nova_server" "web" {
  name = "web-1"
}

output "web_addresses" {
  value = data.nova_server.web.addresses
}

# One element per interface: network ID and name, port, addresses, MAC.
output "web_networks" {
  value = data.nova_server.web.network
}
