# Start and stop a server without changing its configuration:
#   terraform apply -invoke=action.nova_server_power.db_stop
action "nova_server_power" "db_stop" {
  config {
    server_id = nova_server.db.id
    operation = "stop"
  }
}

action "nova_server_power" "db_start" {
  config {
    server_id = nova_server.db.id
    operation = "start"
    timeout   = "5m"
  }
}
