import requests

requests.get("https://api.skytells.ai/v1/models", verify=False)
