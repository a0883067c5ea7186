using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mae.Cluster.Silo.Web;

/// <summary>
/// Endpoint metadata: the local ports an endpoint answers on. Health and dashboard may listen on different
/// addresses (probes on the pod IP, the dashboard on loopback); this keeps the dashboard off the probe port. It
/// checks the connection's local port, not the Host header, which a client controls.
/// </summary>
internal sealed class ServedOnPorts(IReadOnlySet<int> ports)
{
    public bool Allows(int localPort) => ports.Contains(localPort);

    /// <summary>Answers 404 for a request that reached an endpoint on a port the endpoint is not served on.</summary>
    public static IApplicationBuilder UseServedOnPorts(IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var served = context.GetEndpoint()?.Metadata.GetMetadata<ServedOnPorts>();
            if (served is not null && !served.Allows(context.Connection.LocalPort))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(context);
        });
}
