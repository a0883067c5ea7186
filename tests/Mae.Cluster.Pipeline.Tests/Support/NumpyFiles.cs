using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>One .npy file as numpy read it: its true shape, and its values one flat row per image.</summary>
internal sealed record NumpyArray(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("dtype")] string DType,
    [property: JsonPropertyName("shape")] int[] Shape,
    [property: JsonPropertyName("c_order")] bool COrder,
    [property: JsonPropertyName("values")] double[][] Values);

/// <summary>What read_npy.py reports: the arrays, and how embedding-reader's parquet_npy format would pair the files.</summary>
internal sealed record NumpyFiles(
    [property: JsonPropertyName("arrays")] NumpyArray[] Arrays,
    [property: JsonPropertyName("pairs")] string[][] Pairs,
    [property: JsonPropertyName("parquet_count")] int ParquetCount)
{
    /// <summary>Runs numpy (the system Python's, as scripts/test.sh installs it) over the .npy folders under <paramref name="folder"/>.</summary>
    public static async Task<NumpyFiles> ReadAsync(string folder, CancellationToken cancellationToken)
    {
        var script = System.IO.Path.Combine(AppContext.BaseDirectory, "Support", "read_npy.py");
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start /usr/bin/python3.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"read_npy.py failed with exit code {process.ExitCode} (is python3-numpy installed?):\n{await errors}");
        }
        return JsonSerializer.Deserialize<NumpyFiles>(await output) ?? throw new InvalidOperationException("read_npy.py printed nothing.");
    }
}
