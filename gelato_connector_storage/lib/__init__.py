"""The storage scan's logic that needs no ORM: file-name patterns and the storage clients."""
