"""The REST endpoints, one module per resource. Each endpoint is a coroutine taking the
handler (and the path's parameters): it parses the request, calls
:mod:`trainlab.server.service` in the thread pool and replies. The route table
(:mod:`trainlab.server.routes`) names them."""
