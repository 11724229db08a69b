# Rebuild the web server on another host after its own host failed (admins;
# Nova needs the failed host's compute service down or forced down first):
# terraform apply -invoke=action.nova_server_evacuate.web
action "nova_server_evacuate" "web" {
  config {
    server_id    = nova_server.web.id
    target_state = "ACTIVE"
  }
}

# ... or to a named host, leaving the server stopped there (microversion 2.95).
action "nova_server_evacuate" "web_to_compute2" {
  config {
    server_id    = nova_server.web.id
    host         = "compute2"
    target_state = "SHUTOFF"
  }
}
