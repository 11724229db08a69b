# Snapshot before an upgrade: terraform apply -invoke=action.nova_server_snapshot.web
action "nova_server_snapshot" "web" {
  config {
    server_id = nova_server.web.id
    name      = "web-before-upgrade"
    metadata = {
      purpose = "rollback"
    }
    timeout = "20m"
  }
}
