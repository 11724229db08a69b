# Reboot on demand: terraform apply -invoke=action.nova_server_reboot.web
action "nova_server_reboot" "web" {
  config {
    server_id = nova_server.web.id
    type      = "HARD"
  }
}

# ... or whenever the web server's configuration file changes.
resource "terraform_data" "web_config" {
  input = filesha256("${path.module}/cloud-init.yaml")

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.nova_server_reboot.web]
    }
  }
}
