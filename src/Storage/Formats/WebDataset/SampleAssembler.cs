using System.Text;

namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Collects the members of one WebDataset sample (consecutive members with the same key) and decides what the
/// sample becomes: a good sample with image bytes, or a failure with a specific reason. Only the image, the
/// caption and the JSON are read into memory, each within its limit; every other byte is read and discarded.
/// </summary>
internal sealed class SampleAssembler
{
    private const int MemberNamesRemembered = 5;

    private readonly WebDatasetReadContext _context;
    private readonly List<string> _memberNames = [];
    private WebDatasetSampleErrorKind _errorKind;
    private string? _error;
    private string? _imageMemberName;
    private byte[]? _imageBytes;
    private string? _caption;
    private string? _json;

    private SampleAssembler(string rawKey, string key, WebDatasetReadContext context)
    {
        RawKey = rawKey;
        Key = key;
        _context = context;
    }

    /// <summary>The key as found in the tar, used to tell where the sample ends.</summary>
    public string RawKey { get; }

    /// <summary>The sanitised key reported in the sample.</summary>
    public string Key { get; }

    private bool HasImage => _imageMemberName is not null;

    private bool Failed => _error is not null;

    /// <summary>Starts a sample; the key is checked for safety, length and earlier use in the shard.</summary>
    public static SampleAssembler Start(string rawKey, WebDatasetReadContext context)
    {
        var sanitised = WebDatasetNames.Sanitise(rawKey);
        var maxLength = context.Options.MaxKeyLength;
        var key = sanitised.Key.Length > maxLength ? sanitised.Key[..maxLength] : sanitised.Key;
        var sample = new SampleAssembler(rawKey, key, context);
        if (!sanitised.IsSafe)
        {
            sample.Fail(WebDatasetSampleErrorKind.UnsafeMemberName, $"unsafe member name: '{WebDatasetNames.Printable(rawKey)}' ({sanitised.UnsafeReason})");
        }
        else if (sanitised.Key.Length > maxLength)
        {
            sample.Fail(WebDatasetSampleErrorKind.KeyTooLong, $"key is {sanitised.Key.Length} characters, above the limit of {maxLength}");
        }
        else if (!context.SeenKeys.Add(sanitised.Key))
        {
            sample.Fail(WebDatasetSampleErrorKind.DuplicateKey, $"duplicate key: '{sanitised.Key}' already appeared earlier in the shard; the first sample is kept");
        }

        return sample;
    }

    /// <summary>Takes one member of this sample, reading or skipping its data.</summary>
    /// <returns>
    /// A failure record for a second image member, to be yielded at once (so a sample with a million image
    /// members costs no memory); otherwise null.
    /// </returns>
    /// <exception cref="CorruptTarException">The (compressed) stream is corrupt.</exception>
    public async ValueTask<WebDatasetSample?> AddMemberAsync(TarMember member, string extension, TarArchiveReader archive, CancellationToken cancellationToken)
    {
        WebDatasetSample? extraImageFailure = null;
        if (_memberNames.Count < MemberNamesRemembered)
        {
            _memberNames.Add(WebDatasetNames.Printable(member.Name));
        }

        if (_context.IsImageExtension(extension))
        {
            extraImageFailure = await AddImageAsync(member, archive, cancellationToken).ConfigureAwait(false);
        }
        else if (!Failed && member.Kind == TarMemberKind.RegularFile && extension.Equals("txt", StringComparison.OrdinalIgnoreCase) && _caption is null)
        {
            _caption = await ReadTextAsync(archive, member.Size, _context.Options.MaxCaptionBytes, cancellationToken).ConfigureAwait(false);
        }
        else if (!Failed && member.Kind == TarMemberKind.RegularFile && extension.Equals("json", StringComparison.OrdinalIgnoreCase)
            && _json is null && _context.Options.KeepJson && member.Size <= _context.Options.MaxJsonBytes)
        {
            _json = await ReadTextAsync(archive, member.Size, _context.Options.MaxJsonBytes, cancellationToken).ConfigureAwait(false);
        }

        await archive.SkipDataAsync(cancellationToken).ConfigureAwait(false);
        return extraImageFailure;
    }

    /// <summary>The stream ended inside <paramref name="member"/>: the whole sample becomes a failure.</summary>
    public void MarkTruncated(TarMember member, long delivered)
    {
        _errorKind = WebDatasetSampleErrorKind.TruncatedMember;
        _error = $"truncated tar: member {WebDatasetNames.Printable(member.Name)} ends after {delivered} of {member.Size} bytes";
    }

    /// <summary>The sample: good, or a failure with its reason.</summary>
    public WebDatasetSample Complete()
    {
        if (!Failed && !HasImage)
        {
            Fail(WebDatasetSampleErrorKind.NoImageMember, $"sample has no image member (members: {string.Join(", ", _memberNames)})");
        }

        return Failed
            ? new WebDatasetSample { Key = Key, ImageMemberName = _imageMemberName, Error = _error, ErrorKind = _errorKind }
            : new WebDatasetSample { Key = Key, ImageMemberName = _imageMemberName, ImageBytes = _imageBytes, Caption = _caption, Json = _json };
    }

    private async ValueTask<WebDatasetSample?> AddImageAsync(TarMember member, TarArchiveReader archive, CancellationToken cancellationToken)
    {
        var name = WebDatasetNames.Printable(member.Name);
        if (HasImage)
        {
            return new WebDatasetSample
            {
                Key = Key,
                ImageMemberName = name,
                ErrorKind = WebDatasetSampleErrorKind.DuplicateKey,
                Error = $"duplicate key: sample '{Key}' already has the image member '{_imageMemberName}'; the first is kept",
            };
        }

        _imageMemberName = name;
        if (!Failed)
        {
            await ReadImageAsync(member, archive, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private async ValueTask ReadImageAsync(TarMember member, TarArchiveReader archive, CancellationToken cancellationToken)
    {
        switch (member.Kind)
        {
            case TarMemberKind.SymbolicLink:
                Fail(WebDatasetSampleErrorKind.SymbolicLink, $"member is a symbolic link (to '{WebDatasetNames.Printable(member.LinkTarget ?? string.Empty)}')");
                return;
            case TarMemberKind.HardLink:
                Fail(WebDatasetSampleErrorKind.HardLink, $"member is a hard link (to '{WebDatasetNames.Printable(member.LinkTarget ?? string.Empty)}')");
                return;
            case TarMemberKind.RegularFile:
                break;
            default:
                Fail(WebDatasetSampleErrorKind.NotRegularFile, $"member is not a regular file (tar type '{WebDatasetNames.Printable(member.TypeFlag.ToString())}')");
                return;
        }

        if (member.Size == 0)
        {
            Fail(WebDatasetSampleErrorKind.EmptyImage, "empty image member");
            return;
        }

        if (member.Size > _context.Options.MaxImageBytes)
        {
            Fail(WebDatasetSampleErrorKind.ImageTooLarge, $"member is {member.Size} bytes, above the limit of {_context.Options.MaxImageBytes}");
            return;
        }

        var bytes = new byte[member.Size];
        var read = await archive.ReadDataAsync(bytes, cancellationToken).ConfigureAwait(false);
        if (read == bytes.Length)
        {
            _imageBytes = bytes;
        }
    }

    /// <summary>Reads up to <paramref name="limit"/> bytes of the member as UTF-8, never splitting a character.</summary>
    private static async ValueTask<string?> ReadTextAsync(TarArchiveReader archive, long size, int limit, CancellationToken cancellationToken)
    {
        var bytes = new byte[Math.Min(size, limit)];
        var read = await archive.ReadDataAsync(bytes, cancellationToken).ConfigureAwait(false);
        if (read < bytes.Length)
        {
            return null;
        }

        // flush: false holds back a character cut at the limit instead of turning it into U+FFFD.
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        var count = decoder.GetChars(bytes, 0, bytes.Length, chars, 0, flush: size <= limit);
        return new string(chars, 0, count);
    }

    private void Fail(WebDatasetSampleErrorKind kind, string message)
    {
        _errorKind = kind;
        _error = message;
        _imageBytes = null;
    }
}
