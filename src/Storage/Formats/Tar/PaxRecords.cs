using System.Globalization;
using System.Text;

namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Parses the records of a PAX extended header ('x' local or 'g' global): each is "LENGTH KEY=VALUE\n", where
/// LENGTH counts the whole record in bytes, itself included.
/// </summary>
internal static class PaxRecords
{
    public const string PathKey = "path";
    public const string LinkPathKey = "linkpath";
    public const string SizeKey = "size";
    public const string GnuSparsePrefix = "GNU.sparse.";

    /// <summary>Parses <paramref name="data"/> into <paramref name="into"/>, later records replacing earlier ones.</summary>
    /// <exception cref="CorruptTarException">A record is malformed.</exception>
    public static void Parse(ReadOnlySpan<byte> data, Dictionary<string, string> into, long headerOffset)
    {
        var position = 0;
        while (position < data.Length)
        {
            var rest = data[position..];
            if (IsAllNul(rest))
            {
                // Some writers pad the record area with NULs.
                return;
            }

            var space = rest.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(rest[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || length <= space + 1 || length > rest.Length || rest[length - 1] != (byte)'\n')
            {
                throw Malformed(headerOffset, position);
            }

            var record = rest[(space + 1)..(length - 1)];
            var equals = record.IndexOf((byte)'=');
            if (equals <= 0)
            {
                throw Malformed(headerOffset, position);
            }

            var key = Encoding.UTF8.GetString(record[..equals]);
            var value = Encoding.UTF8.GetString(record[(equals + 1)..]);
            into[key] = value;
            position += length;
        }
    }

    /// <summary>Parses the decimal "size" value; anything else than a plain non-negative integer is corrupt.</summary>
    public static long ParseSize(string value, long headerOffset)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new CorruptTarException(
                $"corrupt tar: the PAX header at offset {headerOffset} has an invalid size '{value}'", headerOffset);
        }

        return size;
    }

    private static bool IsAllNul(ReadOnlySpan<byte> span) => !span.ContainsAnyExcept((byte)0);

    private static CorruptTarException Malformed(long headerOffset, int position) =>
        new($"corrupt tar: malformed PAX record at byte {position} of the extended header at offset {headerOffset}", headerOffset);
}
