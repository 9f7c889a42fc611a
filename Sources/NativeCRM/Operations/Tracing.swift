import OTel
import ServiceLifecycle
import Tracing
import Vapor

/// Request traces over OTLP/HTTP, only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the OpenTelemetry
/// variables configure the rest: `OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*` …).
/// Off by default: nothing is bootstrapped and no middleware runs. A span carries the method, the route
/// pattern and the status — never the path's ids, the query string (a search is a person's name), the
/// client's address or user agent.
enum CRMTracing {
    static func configure(_ app: Application, environment: [String: String]) throws {
        guard let endpoint = environment["OTEL_EXPORTER_OTLP_ENDPOINT"], !endpoint.isEmpty else { return }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "native-crm"
        configuration.traces.enabled = true
        configuration.metrics.enabled = false  // metrics are GET /metrics (Prometheus)
        configuration.logs.enabled = false     // logs stay on standard output
        let service = try OTel.bootstrap(configuration: configuration, environment: environment)
        app.lifecycle.use(TracingExporter(service: service))
        app.middleware.use(TracingMiddleware { attributes, request in
            let route = request.route.map { "/" + $0.path.map { "\($0)" }.joined(separator: "/") } ?? "vapor_route_undefined"
            attributes["url.path"] = route
            attributes["url.query"] = nil
            attributes["client.address"] = nil
            attributes["network.peer.address"] = nil
            attributes["network.peer.port"] = nil
            attributes["server.address"] = nil  // the bind address says nothing a trace needs
            attributes["server.port"] = nil
            attributes["user_agent.original"] = nil
        })
        app.logger.info("tracing on: spans are exported over OTLP/HTTP")
    }
}

/// Runs the OTel exporter for the life of the application.
private final class TracingExporter: LifecycleHandler, @unchecked Sendable {
    let service: any Service
    private var task: Task<Void, Never>?

    init(service: any Service) { self.service = service }

    func didBootAsync(_ application: Application) async throws {
        let service = self.service
        let logger = application.logger
        task = Task {
            do { try await service.run() } catch {
                logger.warning("trace exporter stopped", metadata: ErrorSummary(error).metadata)
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        task?.cancel()
        await task?.value
    }
}
