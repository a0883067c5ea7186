using System.Globalization;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Imaging;

namespace Mae.Cluster.Cli;

/// <summary>Reads one local image file, refusing files too large to be one image before reading them.</summary>
internal static class EncodedImageFile
{
    public static async Task<ImageInput> ReadAsync(string key, string path, CancellationToken cancellationToken)
    {
        try
        {
            var length = new FileInfo(path).Length;
            var limit = ImageDecodeLimits.Default.MaxEncodedBytes;
            if (length > limit)
            {
                return ImageInput.Unreadable(key, string.Create(CultureInfo.InvariantCulture,
                    $"file is {length:N0} bytes, above the {limit:N0}-byte limit for one encoded image"));
            }
            return new ImageInput(key, await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ImageInput.Unreadable(key, $"cannot read file: {e.Message}");
        }
    }
}
