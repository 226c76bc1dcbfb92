<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>Berth::Gui</name>
    <message>
        <source>The helper is not answering.</source>
        <translation>헬퍼가 응답하지 않습니다.</translation>
    </message>
    <message>
        <source>The helper took too long to answer.</source>
        <translation>헬퍼의 응답이 너무 늦습니다.</translation>
    </message>
    <message>
        <source>Permission denied.</source>
        <translation>권한이 없습니다.</translation>
    </message>
    <message>
        <source>Not found.</source>
        <translation>찾을 수 없습니다.</translation>
    </message>
    <message>
        <source>The request was not valid.</source>
        <translation>요청이 올바르지 않습니다.</translation>
    </message>
    <message>
        <source>The object is in the wrong state for this.</source>
        <translation>대상이 이 작업을 할 수 없는 상태입니다.</translation>
    </message>
    <message>
        <source>Nothing to do.</source>
        <translation>할 일이 없습니다.</translation>
    </message>
    <message>
        <source>The request is too large.</source>
        <translation>요청이 너무 큽니다.</translation>
    </message>
    <message>
        <source>The helper does not support this.</source>
        <translation>헬퍼가 이 기능을 지원하지 않습니다.</translation>
    </message>
    <message>
        <source>A system call failed.</source>
        <translation>시스템 호출이 실패했습니다.</translation>
    </message>
    <message>
        <source>The helper answered something unexpected.</source>
        <translation>헬퍼가 예상하지 못한 응답을 보냈습니다.</translation>
    </message>
    <message>
        <source>Internal error.</source>
        <translation>내부 오류입니다.</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <extracomment>%1 is a translated summary, %2 the engine&apos;s technical English message</extracomment>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Berth&apos;s built-in Dockerfile highlighter</source>
        <translation>Berth 내장 Dockerfile 강조기</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ActivityView</name>
    <message>
        <source>Engine activity</source>
        <translation>엔진 활동</translation>
    </message>
    <message numerus="yes">
        <source>%n recent event(s)</source>
        <translation>
            <numerusform>최근 이벤트 %n개</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::BuildPage</name>
    <message>
        <source>Build</source>
        <translation>빌드</translation>
    </message>
    <message>
        <source>Dockerfile</source>
        <translation>Dockerfile</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>열기(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>저장(&amp;S)</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>다른 이름으로 저장(&amp;A)…</translation>
    </message>
    <message>
        <source>Dockerfile editor</source>
        <translation>Dockerfile 편집기</translation>
    </message>
    <message>
        <source>Open a Dockerfile with Ctrl+O, or start typing one here:

FROM debian:bookworm-slim
RUN apt-get update
CMD [&quot;bash&quot;]</source>
        <translation>Ctrl+O로 Dockerfile을 열거나 여기에 바로 입력하세요:

FROM debian:bookworm-slim
RUN apt-get update
CMD [&quot;bash&quot;]</translation>
    </message>
    <message>
        <source>Open Dockerfile</source>
        <translation>Dockerfile 열기</translation>
    </message>
    <message>
        <source>Dockerfiles (Dockerfile* *.dockerfile Containerfile*);;All files (*)</source>
        <translation>Dockerfile (Dockerfile* *.dockerfile Containerfile*);;모든 파일 (*)</translation>
    </message>
    <message>
        <source>Could not open %1: %2</source>
        <translation>%1 파일을 열 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Could not save %1: %2</source>
        <translation>%1 파일을 저장할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>Save Dockerfile</source>
        <translation>Dockerfile 저장</translation>
    </message>
    <message>
        <source>Untitled Dockerfile</source>
        <translation>제목 없는 Dockerfile</translation>
    </message>
    <message>
        <source>%1 (modified)</source>
        <translation>%1 (수정됨)</translation>
    </message>
    <message>
        <source>Line %1, column %2</source>
        <translation>%1행, %2열</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ContainersPage</name>
    <message>
        <source>Containers</source>
        <translation>컨테이너</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>전체</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>실행 중</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>일시 정지됨</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>중지됨</translation>
    </message>
    <message>
        <source>No container activity since Berth connected. Containers created, started or stopped from Berth, the berth CLI or the docker CLI appear here as it happens.</source>
        <translation>Berth가 연결된 뒤로 컨테이너 활동이 없습니다. Berth, berth CLI 또는 docker CLI에서 컨테이너를 만들거나 시작하거나 중지하면 바로 여기에 나타납니다.</translation>
    </message>
    <message>
        <source>Reading the container counts from the engine…</source>
        <translation>엔진에서 컨테이너 수를 읽는 중…</translation>
    </message>
    <message>
        <source>Not connected to the engine. The container counts appear as soon as Berth reaches the helper.</source>
        <translation>엔진에 연결되어 있지 않습니다. Berth가 헬퍼에 연결되는 즉시 컨테이너 수가 표시됩니다.</translation>
    </message>
    <message>
        <source>This engine has no containers.</source>
        <translation>이 엔진에는 컨테이너가 없습니다.</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::EngineConnection</name>
    <message>
        <source>Berth %1 · API %2</source>
        <translation>Berth %1 · API %2</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::EventModel</name>
    <message>
        <source>%1  %2 %3  %4</source>
        <extracomment>Engine activity row: %1 time, %2 object type, %3 action, %4 object name</extracomment>
        <translation>%1  %2 %3  %4</translation>
    </message>
    <message>
        <source>%1
%2 %3
%4
%5</source>
        <extracomment>Tooltip of an engine event: %1 date and time, %2 type, %3 action, %4 id, %5 attributes</extracomment>
        <translation>%1
%2 %3
%4
%5</translation>
    </message>
    <message>
        <source>container</source>
        <translation>컨테이너</translation>
    </message>
    <message>
        <source>image</source>
        <translation>이미지</translation>
    </message>
    <message>
        <source>volume</source>
        <translation>볼륨</translation>
    </message>
    <message>
        <source>network</source>
        <translation>네트워크</translation>
    </message>
    <message>
        <source>engine</source>
        <translation>엔진</translation>
    </message>
    <message>
        <source>created</source>
        <translation>생성됨</translation>
    </message>
    <message>
        <source>started</source>
        <translation>시작됨</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>중지됨</translation>
    </message>
    <message>
        <source>exited</source>
        <translation>종료됨</translation>
    </message>
    <message>
        <source>killed</source>
        <translation>강제 종료됨</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>제거됨</translation>
    </message>
    <message>
        <source>restarted</source>
        <translation>다시 시작됨</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>일시 정지됨</translation>
    </message>
    <message>
        <source>resumed</source>
        <translation>재개됨</translation>
    </message>
    <message>
        <source>renamed</source>
        <translation>이름 바뀜</translation>
    </message>
    <message>
        <source>attached</source>
        <translation>연결됨</translation>
    </message>
    <message>
        <source>resized</source>
        <translation>크기 바뀜</translation>
    </message>
    <message>
        <source>exec created</source>
        <translation>exec 생성됨</translation>
    </message>
    <message>
        <source>exec started</source>
        <translation>exec 시작됨</translation>
    </message>
    <message>
        <source>exec exited</source>
        <translation>exec 종료됨</translation>
    </message>
    <message>
        <source>pulled</source>
        <translation>받아옴</translation>
    </message>
    <message>
        <source>pushed</source>
        <translation>올림</translation>
    </message>
    <message>
        <source>tagged</source>
        <translation>태그 붙음</translation>
    </message>
    <message>
        <source>untagged</source>
        <translation>태그 제거됨</translation>
    </message>
    <message>
        <source>deleted</source>
        <translation>삭제됨</translation>
    </message>
    <message>
        <source>loaded</source>
        <translation>불러옴</translation>
    </message>
    <message>
        <source>saved</source>
        <translation>저장됨</translation>
    </message>
    <message>
        <source>imported</source>
        <translation>가져옴</translation>
    </message>
    <message>
        <source>mounted</source>
        <translation>마운트됨</translation>
    </message>
    <message>
        <source>unmounted</source>
        <translation>마운트 해제됨</translation>
    </message>
    <message>
        <source>reloaded</source>
        <translation>다시 불러옴</translation>
    </message>
    <message>
        <source>files copied in</source>
        <translation>파일 복사해 넣음</translation>
    </message>
    <message>
        <source>files copied out</source>
        <translation>파일 복사해 꺼냄</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ImagesPage</name>
    <message>
        <source>Images</source>
        <translation>이미지</translation>
    </message>
    <message>
        <source>No image activity since Berth connected. Pulls, builds, tags and removals appear here as they happen.</source>
        <translation>Berth가 연결된 뒤로 이미지 활동이 없습니다. 이미지를 받아오거나 빌드하거나 태그를 붙이거나 지우면 바로 여기에 나타납니다.</translation>
    </message>
    <message>
        <source>Reading the image count from the engine…</source>
        <translation>엔진에서 이미지 수를 읽는 중…</translation>
    </message>
    <message>
        <source>Not connected to the engine. The image count appears as soon as Berth reaches the helper.</source>
        <translation>엔진에 연결되어 있지 않습니다. Berth가 헬퍼에 연결되는 즉시 이미지 수가 표시됩니다.</translation>
    </message>
    <message>
        <source>No images yet. Import a root file system with “berth import FILE NAME”, or load a saved image with “berth load -i FILE”.</source>
        <translation>아직 이미지가 없습니다. “berth import FILE NAME”으로 루트 파일 시스템을 가져오거나, “berth load -i FILE”로 저장된 이미지를 불러오세요.</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::MainWindow</name>
    <message>
        <source>Berth</source>
        <translation>Berth</translation>
    </message>
    <message>
        <source>Navigation</source>
        <translation>탐색</translation>
    </message>
    <message>
        <source>The areas of Berth. Ctrl+1 to Ctrl+4 switch between them.</source>
        <translation>Berth의 영역입니다. Ctrl+1부터 Ctrl+4까지로 전환합니다.</translation>
    </message>
    <message>
        <source>Containers</source>
        <translation>컨테이너</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>이미지</translation>
    </message>
    <message>
        <source>Build</source>
        <translation>빌드</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>이동(&amp;G)</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <extracomment>Navigation entry tooltip: %1 area name, %2 its shortcut</extracomment>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open Dockerfile…</source>
        <translation>Dockerfile 열기(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>끝내기(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Engine</source>
        <translation>엔진(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Start Helper</source>
        <translation>헬퍼 시작(&amp;S)</translation>
    </message>
    <message>
        <source>No helper answered at %1, so Berth is starting one through pkexec. Your system may ask for permission.</source>
        <translation>%1에서 응답하는 헬퍼가 없어 Berth가 pkexec로 헬퍼를 시작하는 중입니다. 시스템이 권한을 요청할 수 있습니다.</translation>
    </message>
    <message>
        <source>No helper answered at %1, so Berth started one (process %2).</source>
        <translation>%1에서 응답하는 헬퍼가 없어 Berth가 헬퍼를 시작했습니다(프로세스 %2).</translation>
    </message>
    <message>
        <source>Berth could not start the helper: %1</source>
        <translation>Berth가 헬퍼를 시작하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>연결됨: %1</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>%1에 연결하는 중…</translation>
    </message>
    <message>
        <source>Starting the helper at %1…</source>
        <translation>%1에서 헬퍼를 시작하는 중…</translation>
    </message>
    <message>
        <source>Reconnecting… The helper at %1 stopped answering.</source>
        <translation>다시 연결하는 중… %1의 헬퍼가 응답하지 않습니다.</translation>
    </message>
    <message>
        <source>Not connected: no helper answers at %1.</source>
        <translation>연결되지 않음: %1에서 응답하는 헬퍼가 없습니다.</translation>
    </message>
    <message>
        <source>Engine version unknown</source>
        <translation>엔진 버전을 알 수 없음</translation>
    </message>
    <message>
        <source>Engine connection</source>
        <translation>엔진 연결</translation>
    </message>
    <message>
        <source>Engine version</source>
        <translation>엔진 버전</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::NotificationBar</name>
    <message>
        <source>Notification</source>
        <translation>알림</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>닫기</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>엔진</translation>
    </message>
    <message>
        <source>Address in use:</source>
        <translation>사용 중인 주소:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>상태:</translation>
    </message>
    <message>
        <source>Engine address</source>
        <translation>엔진 주소</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>연결(&amp;C)</translation>
    </message>
    <message>
        <source>Switch to &amp;engine:</source>
        <translation>다른 엔진으로 전환(&amp;E):</translation>
    </message>
    <message>
        <source>Helper</source>
        <translation>헬퍼</translation>
    </message>
    <message>
        <source>Version:</source>
        <translation>버전:</translation>
    </message>
    <message>
        <source>Root directory:</source>
        <translation>루트 디렉터리:</translation>
    </message>
    <message>
        <source>Kernel:</source>
        <translation>커널:</translation>
    </message>
    <message>
        <source>Operating system:</source>
        <translation>운영 체제:</translation>
    </message>
    <message>
        <source>Cgroup version:</source>
        <translation>Cgroup 버전:</translation>
    </message>
    <message>
        <source>CPUs:</source>
        <translation>CPU:</translation>
    </message>
    <message>
        <source>Memory:</source>
        <translation>메모리:</translation>
    </message>
    <message>
        <source>&amp;Start Helper</source>
        <translation>헬퍼 시작(&amp;S)</translation>
    </message>
    <message>
        <source>Starts berthd for this address; outside root, pkexec asks for permission.</source>
        <translation>이 주소로 berthd를 시작합니다. root가 아니면 pkexec가 권한을 요청합니다.</translation>
    </message>
    <message>
        <source>Editor</source>
        <translation>편집기</translation>
    </message>
    <message>
        <source>Syntax highlighting:</source>
        <translation>구문 강조:</translation>
    </message>
    <message>
        <source>Enter a unix:// address or the absolute path of a socket.</source>
        <translation>unix:// 주소나 소켓의 절대 경로를 입력하세요.</translation>
    </message>
    <message>
        <source>“%1” is not an engine address: %2</source>
        <translation>“%1”은(는) 엔진 주소가 아닙니다: %2</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>연결됨</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>연결하는 중…</translation>
    </message>
    <message>
        <source>Starting the helper…</source>
        <translation>헬퍼를 시작하는 중…</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>다시 연결하는 중…</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>연결되지 않음</translation>
    </message>
    <message>
        <source>Reading the helper&apos;s information…</source>
        <translation>헬퍼 정보를 읽는 중…</translation>
    </message>
    <message>
        <source>No helper answers at %1. Start one here, or run “berthd --socket PATH” as root.</source>
        <translation>%1에서 응답하는 헬퍼가 없습니다. 여기에서 시작하거나 root로 “berthd --socket PATH”를 실행하세요.</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>알 수 없음</translation>
    </message>
    <message>
        <source>v%1</source>
        <translation>v%1</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::StatTile</name>
    <message>
        <source>–</source>
        <extracomment>Shown instead of a number the engine has not reported</extracomment>
        <translation>–</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <extracomment>Accessible name of a number tile: %1 caption, %2 number</extracomment>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Berth: containers and images on your desktop.</source>
        <translation>Berth: 데스크톱에서 다루는 컨테이너와 이미지.</translation>
    </message>
    <message>
        <source>The engine to use (unix:///path or a socket path). Default: $BERTH_HOST, else unix:///run/berth/berth.sock.</source>
        <translation>사용할 엔진(unix:///경로 또는 소켓 경로). 기본값: $BERTH_HOST, 없으면 unix:///run/berth/berth.sock.</translation>
    </message>
    <message>
        <source>address</source>
        <translation>주소</translation>
    </message>
    <message>
        <source>The state directory of a helper Berth starts itself (default /var/lib/berth).</source>
        <translation>Berth가 직접 시작하는 헬퍼의 상태 디렉터리(기본값 /var/lib/berth).</translation>
    </message>
    <message>
        <source>dir</source>
        <translation>디렉터리</translation>
    </message>
    <message>
        <source>Never start a helper, even when none answers.</source>
        <translation>응답하는 헬퍼가 없어도 헬퍼를 시작하지 않습니다.</translation>
    </message>
    <message>
        <source>berth-desktop: invalid engine address: %1</source>
        <translation>berth-desktop: 잘못된 엔진 주소: %1</translation>
    </message>
</context>
</TS>
