using System.Formats.Tar;
using System.Text;

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>
/// Builds WebDataset tar shards with .NET's own <see cref="TarWriter"/> (PAX format, as Python's tarfile writes by
/// default) — an implementation independent of the product's tar reader.
/// </summary>
internal sealed class TarShardBuilder : IDisposable
{
    private readonly MemoryStream _stream = new();
    private readonly TarWriter _writer;
    private readonly List<Photo> _photos = [];

    public TarShardBuilder() => _writer = new TarWriter(_stream, TarEntryFormat.Pax, leaveOpen: true);

    /// <summary>The good images added so far, in tar order: what the job should embed.</summary>
    public IReadOnlyList<Photo> Photos => _photos;

    /// <summary>Bytes written so far: the offset the next member's headers start at.</summary>
    public long Length => _stream.Length;

    /// <summary>Adds a good image as KEY.EXT (and KEY.txt when there is a caption).</summary>
    public TarShardBuilder Image(string key, string extension, byte[] bytes, string? caption = null)
    {
        File(key + extension, bytes);
        if (caption is not null)
        {
            File(key + ".txt", Encoding.UTF8.GetBytes(caption));
        }
        _photos.Add(new Photo(key, bytes));
        return this;
    }

    /// <summary>Adds a good image under a member name the reader normalises (e.g. an absolute path) to <paramref name="expectedKey"/>.</summary>
    public TarShardBuilder Image(string memberName, byte[] bytes, string expectedKey)
    {
        File(memberName, bytes);
        _photos.Add(new Photo(expectedKey, bytes));
        return this;
    }

    /// <summary>Adds the <paramref name="photo"/>-th test photo under <paramref name="key"/>.</summary>
    public TarShardBuilder Image(string key, int photo, string? caption = null) =>
        Image(key, TestPhotos.ExtensionOf(photo), TestPhotos.Bytes(photo), caption);

    /// <summary>Adds any regular member, good or bad, without expecting it in the results.</summary>
    public TarShardBuilder File(string name, byte[] bytes)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) };
        _writer.WriteEntry(entry);
        return this;
    }

    public TarShardBuilder SymbolicLink(string name, string target)
    {
        _writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });
        return this;
    }

    /// <summary>The finished tar, with its end-of-archive marker.</summary>
    public byte[] ToArray()
    {
        _writer.Dispose();
        return _stream.ToArray();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
    }
}
