from maitred_platform.cli import main
from reservations.config import Settings

if __name__ == "__main__":
    main("reservations", Settings())
