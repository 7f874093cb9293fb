// `import GTA` brings what its API is written in: `ServiceContext` (Go's `context.Context`),
// swift-log's `Logger` (Go's `gta.Logger`) and swift-service-lifecycle's `Service`.
@_exported import Logging
@_exported import ServiceContextModule
@_exported import ServiceLifecycle
