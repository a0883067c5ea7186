using System.IO.Compression;

namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Reads tar members one after another from a forward-only stream, gzip-compressed or not. Headers are
/// validated (checksum, numeric fields); GNU long names ('L'/'K') and PAX extended headers ('x' local,
/// 'g' global: path, linkpath, size) are applied. Member data is read or skipped by the caller in order;
/// memory stays bounded by one buffer plus extension headers up to a limit.
/// </summary>
/// <remarks>
/// Written here instead of using System.Formats.Tar's TarReader because that reader allocates GNU long names
/// and PAX headers at whatever size the archive claims, reports structural faults as generic exceptions
/// without offsets, and cannot tell how many bytes of a truncated member arrived — all of which this reader
/// needs to turn hostile input into bounded, specific errors.
/// </remarks>
internal sealed class TarArchiveReader : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly ForwardReader _input;
    private readonly Stream? _decompressor;
    private readonly int _maxExtensionBytes;
    private readonly byte[] _block = new byte[TarHeaderFields.BlockSize];
    private readonly Dictionary<string, string> _globalPax = new(StringComparer.Ordinal);
    private bool _atFirstHeader = true;
    private bool _ended;
    private long _dataRemaining;
    private long _dataSize;
    private long _paddingRemaining;

    private TarArchiveReader(ForwardReader input, int maxExtensionBytes, Stream? decompressor = null)
    {
        _input = input;
        _maxExtensionBytes = maxExtensionBytes;
        _decompressor = decompressor;
    }

    /// <summary>Bytes of the current member's data that arrived before the stream ended; valid when <see cref="CurrentTruncated"/>.</summary>
    public long CurrentDataDelivered => _dataSize - _dataRemaining;

    /// <summary>True when the stream ended inside the current member's data.</summary>
    public bool CurrentTruncated { get; private set; }

    /// <summary>Whether the archive was gzip-compressed.</summary>
    public bool IsGzip { get; private init; }

    /// <summary>
    /// Sniffs the start of <paramref name="source"/>: gzip data is decompressed on the fly; anything that is
    /// recognisably not a tar (an image, another compressor) is refused when its first header fails to validate.
    /// </summary>
    public static async ValueTask<TarArchiveReader> OpenAsync(Stream source, int maxExtensionBytes, CancellationToken cancellationToken)
    {
        var start = new byte[TarHeaderFields.BlockSize];
        var length = await source.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (!FileSignatures.IsGzip(start.AsSpan(0, length)))
        {
            return new TarArchiveReader(new ForwardReader(source, BufferSize, start.AsSpan(0, length), compression: null), maxExtensionBytes);
        }

        var gzip = new GZipStream(new PrefixedStream(start.AsMemory(0, length), source), CompressionMode.Decompress);
        return new TarArchiveReader(new ForwardReader(gzip, BufferSize, [], compression: "gzip"), maxExtensionBytes, gzip)
        {
            IsGzip = true,
        };
    }

    /// <summary>Releases the decompressor, if any; the source stream is left to its owner.</summary>
    public ValueTask DisposeAsync() => _decompressor?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>
    /// Moves to the next file-like member, skipping whatever is left of the current one. Returns null at the end
    /// of the archive: two zero blocks, or the stream ending cleanly at a member boundary.
    /// </summary>
    /// <exception cref="CorruptTarException">The stream is not a tar, or a header is broken or cut short.</exception>
    public async ValueTask<TarMember?> NextMemberAsync(CancellationToken cancellationToken)
    {
        if (!await FinishCurrentMemberAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        string? longName = null;
        string? longLink = null;
        Dictionary<string, string>? localPax = null;
        var extensionPending = false;
        while (true)
        {
            var headerOffset = _input.Position;
            var read = await _input.ReadAsync(_block, cancellationToken).ConfigureAwait(false);
            var isFirst = _atFirstHeader;
            _atFirstHeader = false;
            if (read < TarHeaderFields.BlockSize)
            {
                return EndOfStreamAtHeader(read, headerOffset, isFirst, extensionPending);
            }

            if (TarHeaderFields.IsAllZero(_block))
            {
                if (extensionPending)
                {
                    throw new CorruptTarException($"corrupt tar: an extended header at offset {headerOffset} is followed by the end of the archive", headerOffset);
                }

                await ExpectSecondZeroBlockAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }

            if (!TarHeaderFields.HasValidChecksum(_block, out var stored, out var computed))
            {
                if (isFirst)
                {
                    throw NotATar($"its first 512-byte block is not a valid tar header", headerOffset);
                }

                throw new CorruptTarException(
                    $"corrupt tar: the header at offset {headerOffset} has a bad checksum (stored {(stored < 0 ? "unreadable" : stored)}, computed {computed})",
                    headerOffset);
            }

            var typeFlag = TarHeaderFields.TypeFlag(_block);
            if (!TarHeaderFields.TryParseSize(_block, out var size))
            {
                throw new CorruptTarException($"corrupt tar: the header at offset {headerOffset} has an unreadable size field", headerOffset);
            }

            switch (typeFlag)
            {
                case 'L':
                    longName = TrimTrailingNuls(System.Text.Encoding.UTF8.GetString(await ReadExtensionAsync(size, "GNU long name", headerOffset, cancellationToken).ConfigureAwait(false)));
                    extensionPending = true;
                    continue;
                case 'K':
                    longLink = TrimTrailingNuls(System.Text.Encoding.UTF8.GetString(await ReadExtensionAsync(size, "GNU long link name", headerOffset, cancellationToken).ConfigureAwait(false)));
                    extensionPending = true;
                    continue;
                case 'x':
                    localPax ??= new Dictionary<string, string>(StringComparer.Ordinal);
                    PaxRecords.Parse(await ReadExtensionAsync(size, "PAX extended header", headerOffset, cancellationToken).ConfigureAwait(false), localPax, headerOffset);
                    EnsureWithinExtensionLimit(localPax, "PAX extended headers", headerOffset);
                    extensionPending = true;
                    continue;
                case 'g':
                    ApplyGlobalPax(await ReadExtensionAsync(size, "PAX global header", headerOffset, cancellationToken).ConfigureAwait(false), headerOffset);
                    continue;
                default:
                    return StartMember(typeFlag, size, headerOffset, longName, longLink, localPax);
            }
        }
    }

    /// <summary>
    /// Reads the current member's data into <paramref name="destination"/>, at most what is left of it. Fewer bytes than
    /// asked (and than left) means the stream ended inside the member: <see cref="CurrentTruncated"/> is then set.
    /// </summary>
    public async ValueTask<int> ReadDataAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var wanted = (int)Math.Min(destination.Length, _dataRemaining);
        var read = await _input.ReadAsync(destination[..wanted], cancellationToken).ConfigureAwait(false);
        _dataRemaining -= read;
        if (read < wanted)
        {
            MarkTruncated();
        }

        return read;
    }

    /// <summary>Discards the rest of the current member's data by reading it; returns false if the stream ended first.</summary>
    public async ValueTask<bool> SkipDataAsync(CancellationToken cancellationToken)
    {
        var skipped = await _input.SkipAsync(_dataRemaining, cancellationToken).ConfigureAwait(false);
        var complete = skipped == _dataRemaining;
        _dataRemaining -= skipped;
        if (!complete)
        {
            MarkTruncated();
        }

        return complete;
    }

    private static string TrimTrailingNuls(string value) => value.TrimEnd('\0');

    private static long PaddingFor(long size) => (TarHeaderFields.BlockSize - (size % TarHeaderFields.BlockSize)) % TarHeaderFields.BlockSize;

    private static TarMemberKind KindOf(char typeFlag, string name) => typeFlag switch
    {
        // Before POSIX, directories were regular entries whose name ends in '/'.
        '0' or '\0' or '7' when name.EndsWith('/') => TarMemberKind.Directory,
        '0' or '\0' or '7' => TarMemberKind.RegularFile,
        '1' => TarMemberKind.HardLink,
        '2' => TarMemberKind.SymbolicLink,
        '3' => TarMemberKind.CharacterDevice,
        '4' => TarMemberKind.BlockDevice,
        '5' => TarMemberKind.Directory,
        '6' => TarMemberKind.Fifo,
        _ => TarMemberKind.Other,
    };

    /// <summary>Links, devices, FIFOs and directories carry no data, whatever their size field says (as in GNU tar, Go, Python).</summary>
    private static bool IsHeaderOnly(TarMemberKind kind) => kind is not (TarMemberKind.RegularFile or TarMemberKind.Other);

    private void MarkTruncated()
    {
        CurrentTruncated = true;
        _paddingRemaining = 0;
        _ended = true;
    }

    private async ValueTask<bool> FinishCurrentMemberAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return false;
        }

        if (_dataRemaining > 0 && !await SkipDataAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new CorruptTarException(
                $"truncated tar: the stream ends inside a member's data after {CurrentDataDelivered} of {_dataSize} bytes", _input.Position);
        }

        if (_paddingRemaining > 0)
        {
            var padding = _paddingRemaining;
            _paddingRemaining = 0;
            if (await _input.SkipAsync(padding, cancellationToken).ConfigureAwait(false) < padding)
            {
                // The last member's data is complete; only its block padding is missing. Nothing is lost: treat as the end.
                _ended = true;
                return false;
            }
        }

        return true;
    }

    private TarMember? EndOfStreamAtHeader(int read, long headerOffset, bool isFirst, bool extensionPending)
    {
        if (isFirst)
        {
            throw NotATar(read == 0 ? "it is empty" : $"it is only {read} bytes long, shorter than one 512-byte tar header", headerOffset);
        }

        if (extensionPending)
        {
            throw new CorruptTarException($"truncated tar: the stream ends at offset {headerOffset + read} after an extended header, before the member it describes", headerOffset);
        }

        if (read > 0 && !TarHeaderFields.IsAllZero(_block.AsSpan(0, read)))
        {
            throw new CorruptTarException($"truncated tar: the stream ends inside the member header at offset {headerOffset} ({read} of 512 bytes)", headerOffset);
        }

        // Ending at a member boundary (or inside the zero end blocks) is a tolerated, missing end marker.
        _ended = true;
        return null;
    }

    private async ValueTask ExpectSecondZeroBlockAsync(CancellationToken cancellationToken)
    {
        _ended = true;
        var offset = _input.Position;
        var read = await _input.ReadAsync(_block, cancellationToken).ConfigureAwait(false);
        if (read > 0 && !TarHeaderFields.IsAllZero(_block.AsSpan(0, read)))
        {
            throw new CorruptTarException(
                $"corrupt tar: a lone zero block at offset {offset - TarHeaderFields.BlockSize} is followed by more data (concatenated archives are not supported)",
                offset);
        }
    }

    private async ValueTask<byte[]> ReadExtensionAsync(long size, string what, long headerOffset, CancellationToken cancellationToken)
    {
        if (size > _maxExtensionBytes)
        {
            throw new CorruptTarException(
                $"corrupt tar: the {what} at offset {headerOffset} is {size} bytes, above the limit of {_maxExtensionBytes}", headerOffset);
        }

        var data = new byte[size];
        var read = await _input.ReadAsync(data, cancellationToken).ConfigureAwait(false);
        var padding = PaddingFor(size);
        if (read < size || await _input.SkipAsync(padding, cancellationToken).ConfigureAwait(false) < padding)
        {
            throw new CorruptTarException($"truncated tar: the stream ends inside the {what} at offset {headerOffset}", headerOffset);
        }

        return data;
    }

    private void ApplyGlobalPax(byte[] data, long headerOffset)
    {
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        PaxRecords.Parse(data, records, headerOffset);
        foreach (var (key, value) in records)
        {
            // In a global header an empty value removes the key (POSIX pax).
            if (value.Length == 0)
            {
                _globalPax.Remove(key);
            }
            else
            {
                _globalPax[key] = value;
            }
        }

        EnsureWithinExtensionLimit(_globalPax, "PAX global headers", headerOffset);
    }

    /// <summary>Many extension headers in a row must not add up to more than one may hold.</summary>
    private void EnsureWithinExtensionLimit(Dictionary<string, string> records, string what, long headerOffset)
    {
        long total = 0;
        foreach (var (key, value) in records)
        {
            total += key.Length + value.Length;
        }

        if (total > _maxExtensionBytes)
        {
            throw new CorruptTarException(
                $"corrupt tar: the {what} up to offset {headerOffset} hold {total} characters, above the limit of {_maxExtensionBytes}", headerOffset);
        }
    }

    private TarMember StartMember(char typeFlag, long headerSize, long headerOffset, string? longName, string? longLink, Dictionary<string, string>? localPax)
    {
        var name = Lookup(localPax, PaxRecords.PathKey) ?? longName ?? TarHeaderFields.Name(_block);
        var link = Lookup(localPax, PaxRecords.LinkPathKey) ?? longLink ?? TarHeaderFields.LinkName(_block);
        var sizeText = Lookup(localPax, PaxRecords.SizeKey);
        var size = sizeText is null ? headerSize : PaxRecords.ParseSize(sizeText, headerOffset);

        var kind = KindOf(typeFlag, name);
        if (IsSparse(localPax))
        {
            kind = TarMemberKind.Other;
        }

        _dataSize = IsHeaderOnly(kind) ? 0 : size;
        _dataRemaining = _dataSize;
        _paddingRemaining = PaddingFor(_dataSize);
        CurrentTruncated = false;
        var isLink = kind is TarMemberKind.SymbolicLink or TarMemberKind.HardLink;
        return new TarMember(name, kind, typeFlag, _dataSize, isLink ? link : null, headerOffset);
    }

    private bool IsSparse(Dictionary<string, string>? localPax)
    {
        foreach (var key in (localPax?.Keys ?? Enumerable.Empty<string>()).Concat(_globalPax.Keys))
        {
            if (key.StartsWith(PaxRecords.GnuSparsePrefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private string? Lookup(Dictionary<string, string>? localPax, string key)
    {
        if (localPax is not null && localPax.TryGetValue(key, out var local) && local.Length > 0)
        {
            return local;
        }

        return _globalPax.TryGetValue(key, out var global) ? global : null;
    }

    private CorruptTarException NotATar(string detail, long offset)
    {
        var what = FileSignatures.Describe(_block);
        var looksLike = what is null ? string.Empty : $" (it looks like {what})";
        var container = IsGzip ? " (after gzip decompression)" : string.Empty;
        return new CorruptTarException($"not a tar file: {detail}{container}{looksLike}", offset);
    }
}
