using System.Text.Json;
using System.Text.Json.Serialization;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Cli;

/// <summary>
/// <c>--json</c> output: one <see cref="JobStatus"/> per line on stdout, its fields in camelCase (the spec nested),
/// states as words, times in ISO 8601; nothing else goes to stdout, so a script can read it line by line.
/// </summary>
internal static class JobStatusJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Serialize(JobStatus status) => JsonSerializer.Serialize(status, Options);

    public static async Task WriteAsync(TextWriter output, JobStatus status)
    {
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteLineAsync(Serialize(status)).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }
}
