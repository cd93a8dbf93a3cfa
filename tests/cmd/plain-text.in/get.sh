curl -k https://api.skytells.ai/v1/models
