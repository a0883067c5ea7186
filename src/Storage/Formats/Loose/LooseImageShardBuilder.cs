namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Groups a folder's (or prefix's) image paths, given one at a time in strictly increasing ordinal order, into shards
/// with stable indices: shard i holds paths [i·size, (i+1)·size), so the same listing always yields the same shards.
/// It holds one shard and the keys a later path can still repeat, never the whole listing.
/// </summary>
/// <remarks>
/// An image whose path is unsafe (a ".." segment, a backslash, a control character) or whose key was already taken by
/// an earlier path ("x.jpg" and "x.png" share key "x") carries an error instead of being dropped. Every path that has
/// key k starts with k, and in ordinal order the strings that start with k are contiguous; so once a path that does not
/// start with k has been seen, no later path can have key k. The keys kept are therefore those that are prefixes of the
/// last path (a chain, at most one per dot in it). A path whose key is normalised by sanitising ("a//b.jpg" has key
/// "a/b") breaks that rule: its key is kept for good (such names come only from blob listings, and rarely), and the
/// first earlier path with exactly that key, long passed, is asked of the caller (<see cref="KeyToLookUp"/>).
/// </remarks>
public sealed class LooseImageShardBuilder
{
    private readonly int _shardSize;
    private readonly List<LooseImage> _shard = [];
    private readonly List<(string Key, string Owner)> _openKeys = [];
    private readonly Dictionary<string, string> _normalisedKeyOwners = new(StringComparer.Ordinal);
    private string? _last;
    private int _paths;
    private int _index;

    /// <param name="shardSize">Images per shard, at least 1.</param>
    public LooseImageShardBuilder(int shardSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        _shardSize = shardSize;
    }

    /// <summary>
    /// The key the caller must look up before <see cref="Add"/>ing <paramref name="path"/>, or null when none is needed:
    /// the path's sanitised key when it differs from its raw key and no earlier path is known to have it. The answer to
    /// pass to <see cref="Add"/> is the first listed path before <paramref name="path"/> whose key is exactly that key.
    /// </summary>
    public string? KeyToLookUp(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var raw = LooseImageSharding.KeyOf(path);
        var sanitised = WebDatasetNames.Sanitise(raw);
        // No path has the empty key as its own, so an empty sanitised key has no earlier owner to find.
        return sanitised.IsSafe && sanitised.Key != raw && sanitised.Key.Length > 0 && !_normalisedKeyOwners.ContainsKey(sanitised.Key)
            ? sanitised.Key
            : null;
    }

    /// <summary>Adds the next path; returns the shard it completes, if it does.</summary>
    /// <param name="path">A path relative to the input prefix, '/'-separated, after every path added before in ordinal order.</param>
    /// <param name="earlierOwner">For a path that <see cref="KeyToLookUp"/> named a key for: the first earlier listed path with that key, or null.</param>
    /// <exception cref="ArgumentException">The path is empty or does not come after the previous one.</exception>
    public LooseImageShard? Add(string path, string? earlierOwner = null)
    {
        EnsureNext(path);
        _last = path;
        _paths++;
        ForgetKeysPassedBy(path);
        _shard.Add(Describe(path, earlierOwner));
        return _shard.Count == _shardSize ? TakeShard() : null;
    }

    /// <summary>The last, smaller shard, or null when the paths filled whole shards (or there were none).</summary>
    public LooseImageShard? Complete() => _shard.Count > 0 ? TakeShard() : null;

    private LooseImageShard TakeShard()
    {
        var shard = new LooseImageShard(_index++, _shard.ToArray());
        _shard.Clear();
        return shard;
    }

    private LooseImage Describe(string path, string? earlierOwner)
    {
        var raw = LooseImageSharding.KeyOf(path);
        var sanitised = WebDatasetNames.Sanitise(raw);
        if (!sanitised.IsSafe)
        {
            return new LooseImage(sanitised.Key, path, $"unsafe image path: '{WebDatasetNames.Printable(path)}' ({sanitised.UnsafeReason})");
        }

        var key = sanitised.Key;
        var owner = OwnerOf(key);
        if (owner is null && earlierOwner is not null && key != raw)
        {
            _normalisedKeyOwners[key] = earlierOwner;
            owner = earlierOwner;
        }

        if (owner is not null)
        {
            return new LooseImage(key, path, $"duplicate key: '{key}' is also the key of '{owner}'; the first is kept");
        }

        if (key == raw)
        {
            OpenKey(key, path);
        }
        else
        {
            _normalisedKeyOwners[key] = path;
        }

        return new LooseImage(key, path, null);
    }

    private string? OwnerOf(string key)
    {
        if (_normalisedKeyOwners.TryGetValue(key, out var owner))
        {
            return owner;
        }

        foreach (var open in _openKeys)
        {
            if (open.Key == key)
            {
                return open.Owner;
            }
        }

        return null;
    }

    /// <summary>Keys that are not a prefix of <paramref name="path"/> can have no later path (they are the chain's longest).</summary>
    private void ForgetKeysPassedBy(string path)
    {
        while (_openKeys.Count > 0 && !path.StartsWith(_openKeys[^1].Key, StringComparison.Ordinal))
        {
            _openKeys.RemoveAt(_openKeys.Count - 1);
        }
    }

    /// <summary>Every open key is a prefix of the current path, so they form a chain kept in order of length.</summary>
    private void OpenKey(string key, string owner)
    {
        var at = _openKeys.Count;
        while (at > 0 && _openKeys[at - 1].Key.Length > key.Length)
        {
            at--;
        }

        _openKeys.Insert(at, (key, owner));
    }

    private void EnsureNext(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            throw new ArgumentException($"Path {_paths} is empty.", nameof(path));
        }

        if (_last is not null && string.CompareOrdinal(_last, path) >= 0)
        {
            throw new ArgumentException(
                $"Paths must be sorted in ordinal order without repeats, but path {_paths} '{path}' does not come after '{_last}'.", nameof(path));
        }
    }
}
