resource "nova_volume_attachment" "data" {
  server_id = nova_server.web.id
  volume_id = "1b4500e5-40bb-4088-a475-2a1b86966747"
  tag       = "data"
}
