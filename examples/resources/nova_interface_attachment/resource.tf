resource "nova_interface_attachment" "backend" {
  server_id  = nova_server.web.id
  network_id = "9a6a8bf0-6c1b-4c3b-a1d8-0e9b21d4f3a7"
  fixed_ip   = "10.20.0.20"
}
