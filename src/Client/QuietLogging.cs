using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Client;

/// <summary>
/// Orleans logs plenty at Information; a command's stdout is for its results and its stderr for progress, so the
/// embedded silo and the client show warnings and errors only, on stderr.
/// </summary>
public static class QuietLogging
{
    /// <summary>Warnings and errors only, one line each, on stderr.</summary>
    public static void Configure(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        // The silo warns at every start that a workstation-GC process is not a server-GC one: true, and by design for a CLI.
        logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        // Its first check of a fresh silo reports the time since the machine booted as a stall; a CLI user can do nothing about either.
        logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    /// <summary>
    /// As <see cref="Configure"/>, and nothing of Orleans itself: the client's warnings (a lost gateway, a call that
    /// timed out, each with a stack trace) are about failures the command already reports in a line of its own.
    /// <c>Logging__LogLevel__Orleans=Warning</c> (any <c>Logging</c> setting in <paramref name="configuration"/>, which
    /// wins over these) brings them back for a diagnosis.
    /// </summary>
    public static void ConfigureClient(ILoggingBuilder logging, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configure(logging);
        logging.AddFilter("Orleans", LogLevel.None);
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        // After the filters above: of two rules for the same category the later one applies.
        logging.AddConfiguration(configuration.GetSection("Logging"));
    }
}
