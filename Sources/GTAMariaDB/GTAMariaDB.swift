// The MariaDB backend.
