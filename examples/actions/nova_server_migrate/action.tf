# Move the web server off its host (admins): terraform apply -invoke=action.nova_server_migrate.web
action "nova_server_migrate" "web" {
  config {
    server_id = nova_server.web.id
  }
}

# ... or live, letting Nova choose between block and shared-storage migration.
action "nova_server_migrate" "web_live" {
  config {
    server_id       = nova_server.web.id
    live            = true
    block_migration = "auto"
  }
}
