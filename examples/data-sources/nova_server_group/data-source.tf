data "nova_server_group" "web" {
  name = "web"
}
