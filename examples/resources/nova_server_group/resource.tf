resource "nova_server_group" "web" {
  name   = "web"
  policy = "anti-affinity"
  rules {
    max_server_per_host = 1
  }
}
