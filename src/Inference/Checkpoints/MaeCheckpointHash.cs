using System.Security.Cryptography;

namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// The identity of a checkpoint: lower-case hex SHA-256 over the bytes of config.json, then
/// preprocessor_config.json (when present), then model.safetensors, read as a stream.
/// </summary>
public static class MaeCheckpointHash
{
    private const int BufferBytes = 1 << 20;

    /// <summary>Hashes the checkpoint files in <paramref name="directory"/>; absent files contribute no bytes.</summary>
    public static string Compute(string directory, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferBytes];
        foreach (var name in new[] { MaeConfigJson.FileName, PreprocessorConfigJson.FileName, MaeCheckpoint.WeightsFileName })
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                continue;
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            int read;
            while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
