using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Cli;

/// <summary>
/// <c>--json</c> output: one <see cref="JobStatus"/> per line on stdout, its fields in camelCase (the spec nested),
/// states as words, times in ISO 8601; nothing else goes to stdout, so a script can read it line by line. <c>mae status</c>
/// adds <c>shardsInFlight</c>: the shards leased at that moment, each with <c>shard</c>, <c>state</c>, <c>attempts</c>
/// and <c>leasedBy</c> (the worker, "{silo address}/{device}").
/// </summary>
internal static class JobStatusJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Serialize(JobStatus status) => JsonSerializer.Serialize(status, Options);

    /// <summary>The status with the shards in flight beside its own fields.</summary>
    public static string Serialize(JobStatus status, IReadOnlyList<ShardRecord> shardsInFlight)
    {
        var json = JsonSerializer.SerializeToNode(status, Options)!.AsObject();
        json["shardsInFlight"] = JsonSerializer.SerializeToNode(shardsInFlight, Options);
        return json.ToJsonString(Options);
    }

    public static Task WriteAsync(TextWriter output, JobStatus status) => WriteLineAsync(output, Serialize(status));

    public static Task WriteAsync(TextWriter output, JobStatus status, IReadOnlyList<ShardRecord> shardsInFlight) =>
        WriteLineAsync(output, Serialize(status, shardsInFlight));

    private static async Task WriteLineAsync(TextWriter output, string line)
    {
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteLineAsync(line).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }
}
