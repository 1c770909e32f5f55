from gateway.config import Settings
from maitred_platform.cli import main

if __name__ == "__main__":
    main("gateway", Settings())
