using System.Text;

namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// WebDataset naming: how a member path splits into a sample key and an extension, and how a key is made safe
/// to use as a relative output path.
/// </summary>
internal static class WebDatasetNames
{
    /// <summary>
    /// Splits "dir/name.ext1.ext2" into key "dir/name" and extension "ext1.ext2": the key ends at the first dot
    /// of the basename. As in WebDataset, a basename that starts with a dot or has no extension ("README",
    /// ".hidden.jpg", "._x.jpg") belongs to no sample.
    /// </summary>
    public static bool TrySplit(string memberName, out string key, out string extension)
    {
        var basenameStart = memberName.LastIndexOf('/') + 1;
        var dot = memberName.IndexOf('.', basenameStart);
        if (dot <= basenameStart || dot == memberName.Length - 1)
        {
            key = string.Empty;
            extension = string.Empty;
            return false;
        }

        key = memberName[..dot];
        extension = memberName[(dot + 1)..];
        return true;
    }

    /// <summary>
    /// Makes a raw key safe as a relative path on POSIX and Windows. Harmless oddities are normalised: leading '/'
    /// (as GNU tar does), empty and "." segments are dropped. Dangerous ones make the key unsafe: a ".." segment,
    /// a backslash, a control character (NUL included), or a drive letter ("C:"); the returned key then has those
    /// parts percent-escaped so that even the failure record's key is safe.
    /// </summary>
    public static SanitisedKey Sanitise(string rawKey)
    {
        var segments = rawKey.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToList();
        string? reason = null;
        if (segments.Any(s => s == ".."))
        {
            reason = "it has a '..' segment";
        }
        else if (rawKey.Contains('\\', StringComparison.Ordinal))
        {
            reason = "it contains a backslash";
        }
        else if (rawKey.Any(char.IsControl))
        {
            reason = "it contains a control character";
        }
        else if (segments.Count > 0 && segments[0].Length >= 2 && char.IsAsciiLetter(segments[0][0]) && segments[0][1] == ':')
        {
            reason = "it starts with a drive letter";
        }

        if (reason is null)
        {
            return new SanitisedKey(string.Join('/', segments), null);
        }

        return new SanitisedKey(string.Join('/', segments.Select(EscapeSegment)), reason);
    }

    /// <summary>The name with control characters written as \xNN, for messages and failure records.</summary>
    public static string Printable(string name)
    {
        if (!name.Any(char.IsControl))
        {
            return name;
        }

        var builder = new StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                builder.Append(@"\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static string EscapeSegment(string segment)
    {
        if (segment == "..")
        {
            return "%2E%2E";
        }

        var builder = new StringBuilder(segment.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (char.IsControl(c) || c is '\\' or '%' or ':')
            {
                var length = Encoding.UTF8.GetBytes(segment.AsSpan(i, 1), utf8);
                foreach (var b in utf8[..length])
                {
                    builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}

/// <summary>A key made safe for use as a relative path; <see cref="UnsafeReason"/> is set when the raw key was dangerous.</summary>
internal sealed record SanitisedKey(string Key, string? UnsafeReason)
{
    public bool IsSafe => UnsafeReason is null;
}
