namespace Mae.Cluster.Storage.Formats;

/// <summary>Recognises common file types by their first bytes, to say what a "tar" file really is.</summary>
internal static class FileSignatures
{
    public static bool IsGzip(ReadOnlySpan<byte> start) => start.Length >= 2 && start[0] == 0x1F && start[1] == 0x8B;

    /// <summary>A short description such as "a JPEG image", or null when the bytes are not recognised.</summary>
    public static string? Describe(ReadOnlySpan<byte> start)
    {
        if (start.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "a JPEG image";
        }

        if (start.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']))
        {
            return "a PNG image";
        }

        if (start.StartsWith("GIF8"u8))
        {
            return "a GIF image";
        }

        if (start.Length >= 12 && start.StartsWith("RIFF"u8) && start[8..12].SequenceEqual("WEBP"u8))
        {
            return "a WebP image";
        }

        if (start.StartsWith("PK\u0003\u0004"u8))
        {
            return "a zip archive";
        }

        if (start.StartsWith("BZh"u8))
        {
            return "bzip2-compressed data (only gzip compression is supported)";
        }

        if (start.StartsWith((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00]))
        {
            return "xz-compressed data (only gzip compression is supported)";
        }

        if (start.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]))
        {
            return "zstd-compressed data (only gzip compression is supported)";
        }

        if (start.StartsWith((ReadOnlySpan<byte>)[(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C]))
        {
            return "a 7-Zip archive";
        }

        return null;
    }
}
