using System.Globalization;
using System.Text;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// The rules for relative object paths, shared by every backend so that a path accepted by one store is
/// accepted by all: '/'-separated segments, none empty, "." or "..", no backslash, no control characters
/// (NUL included), no leading '/', no drive letter. Names come from untrusted places (tar members), so
/// anything that could mean "somewhere else" on some file system is refused rather than normalised.
/// </summary>
internal static class ObjectPath
{
    public const char Separator = '/';

    /// <summary>Azure's limit on blob names; a longer relative path cannot be stored in every backend.</summary>
    public const int MaxLength = 1024;

    /// <summary>Throws <see cref="InvalidObjectPathException"/> unless <paramref name="path"/> names an object.</summary>
    public static string Validate(string path, StorageLocation location)
    {
        ArgumentNullException.ThrowIfNull(path);
        var problem = FindProblem(path, allowTrailingSeparator: false);
        if (problem is not null)
        {
            throw Refused(path, problem, location);
        }

        return path;
    }

    /// <summary>Validates a listing prefix: empty is allowed, and so is a trailing '/'.</summary>
    public static string ValidatePrefix(string prefix, StorageLocation location)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0)
        {
            return prefix;
        }

        var problem = FindProblem(prefix, allowTrailingSeparator: true);
        if (problem is not null)
        {
            throw Refused(prefix, problem, location);
        }

        return prefix;
    }

    /// <summary>Joins a base prefix ("" or "a/b") and a relative path with one '/'.</summary>
    public static string Join(string basePrefix, string relative) =>
        basePrefix.Length == 0 ? relative : relative.Length == 0 ? basePrefix : basePrefix + Separator + relative;

    /// <summary>Describes why <paramref name="path"/> is not allowed, or returns null when it is fine.</summary>
    public static string? FindProblem(string path, bool allowTrailingSeparator)
    {
        if (path.Length == 0)
        {
            return "the path is empty";
        }

        if (path.Length > MaxLength)
        {
            return $"the path is {path.Length} characters long (at most {MaxLength})";
        }

        foreach (var c in path)
        {
            if (c == '\0')
            {
                return "it contains a NUL character";
            }

            if (char.IsControl(c))
            {
                return "it contains a control character";
            }

            if (c == '\\')
            {
                return "it contains a backslash (use '/' between folders)";
            }
        }

        if (path[0] == Separator)
        {
            return "it is absolute (starts with '/'); object paths are relative to the location";
        }

        if (path.Length >= 2 && char.IsAsciiLetter(path[0]) && path[1] == ':')
        {
            return "it starts with a drive letter";
        }

        var segments = path.Split(Separator);
        var last = segments.Length - 1;
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0 && !(allowTrailingSeparator && i == last))
            {
                return "it has an empty segment ('//' or a trailing '/')";
            }

            if (segment is "." or "..")
            {
                return $"it has a '{segment}' segment; paths may not step out of or around folders";
            }
        }

        return null;
    }

    /// <summary>Renders an untrusted path for a message: control characters become escapes, long paths are cut.</summary>
    public static string Printable(string path)
    {
        const int MaxShown = 200;
        var builder = new StringBuilder(Math.Min(path.Length, MaxShown) + 8);
        foreach (var c in path.Length > MaxShown ? path.AsSpan(0, MaxShown) : path.AsSpan())
        {
            if (char.IsControl(c))
            {
                builder.Append(c == '\0' ? "\\0" : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"));
            }
            else
            {
                builder.Append(c);
            }
        }

        if (path.Length > MaxShown)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }

    private static InvalidObjectPathException Refused(string path, string problem, StorageLocation location) =>
        new($"Object path '{Printable(path)}' is not allowed at {location}: {problem}.", location.ToString());
}
