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
    <message>
        <source>%1 ago</source>
        <extracomment>%1 is a duration such as &quot;3 days&quot;</extracomment>
        <translation>%1 전</translation>
    </message>
    <message>
        <source>Less than a second</source>
        <translation>1초 미만</translation>
    </message>
    <message>
        <source>1 second</source>
        <translation>1초</translation>
    </message>
    <message>
        <source>%1 seconds</source>
        <translation>%1초</translation>
    </message>
    <message>
        <source>About a minute</source>
        <translation>약 1분</translation>
    </message>
    <message>
        <source>%1 minutes</source>
        <translation>%1분</translation>
    </message>
    <message>
        <source>About an hour</source>
        <translation>약 1시간</translation>
    </message>
    <message>
        <source>%1 hours</source>
        <translation>%1시간</translation>
    </message>
    <message>
        <source>%1 days</source>
        <translation>%1일</translation>
    </message>
    <message>
        <source>%1 weeks</source>
        <translation>%1주</translation>
    </message>
    <message>
        <source>%1 months</source>
        <translation>%1개월</translation>
    </message>
    <message>
        <source>%1 years</source>
        <translation>%1년</translation>
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
    <message>
        <source>Problems</source>
        <translation>문제</translation>
    </message>
    <message>
        <source>Go to Problems</source>
        <translation>문제 목록으로 이동</translation>
    </message>
    <message>
        <source>Problems list (%1)</source>
        <translation>문제 목록 (%1)</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>No problems</source>
        <translation>문제 없음</translation>
    </message>
    <message numerus="yes">
        <source>%n note(s)</source>
        <translation>
            <numerusform>참고 %n개</numerusform>
        </translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message numerus="yes">
        <source>%n error(s)</source>
        <translation>
            <numerusform>오류 %n개</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n warning(s)</source>
        <translation>
            <numerusform>경고 %n개</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ContainerListModel</name>
    <message>
        <source>Running</source>
        <translation>실행 중</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>일시 정지됨</translation>
    </message>
    <message>
        <source>Restarting</source>
        <translation>다시 시작하는 중</translation>
    </message>
    <message>
        <source>Exited (%1)</source>
        <translation>종료됨 (%1)</translation>
    </message>
    <message>
        <source>Exited</source>
        <translation>종료됨</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>생성됨</translation>
    </message>
    <message>
        <source>Removing</source>
        <translation>삭제하는 중</translation>
    </message>
    <message>
        <source>Dead</source>
        <translation>중단됨(dead)</translation>
    </message>
    <message>
        <source>Click to open a published port in the browser</source>
        <translation>클릭하면 게시된 포트를 브라우저로 엽니다</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%2 중 %1</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>이미지</translation>
    </message>
    <message>
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>명령</translation>
    </message>
    <message>
        <source>Ports</source>
        <translation>포트</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>메모리</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ContainersPage</name>
    <message>
        <source>Containers</source>
        <translation>컨테이너</translation>
    </message>
    <message>
        <source>Filter by name, image, state, command or port</source>
        <translation>이름, 이미지, 상태, 명령, 포트로 거르기</translation>
    </message>
    <message>
        <source>Filter containers</source>
        <translation>컨테이너 거르기</translation>
    </message>
    <message>
        <source>Show stopped</source>
        <translation>멈춘 컨테이너 표시</translation>
    </message>
    <message>
        <source>Run…</source>
        <translation>실행…</translation>
    </message>
    <message>
        <source>Create and start a new container</source>
        <translation>새 컨테이너를 만들고 시작합니다</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>시작</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>정지</translation>
    </message>
    <message>
        <source>Restart</source>
        <translation>다시 시작</translation>
    </message>
    <message>
        <source>Kill</source>
        <translation>강제 종료</translation>
    </message>
    <message>
        <source>Send SIGKILL to the main process</source>
        <translation>주 프로세스에 SIGKILL을 보냅니다</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>이름 바꾸기…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>삭제</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>메모리</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>값</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>원본</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>대상</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>모드</translation>
    </message>
    <message>
        <source>Container Port</source>
        <translation>컨테이너 포트</translation>
    </message>
    <message>
        <source>Host Address</source>
        <translation>호스트 주소</translation>
    </message>
    <message>
        <source>Host Port</source>
        <translation>호스트 포트</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>로그</translation>
    </message>
    <message>
        <source>Inspect</source>
        <translation>상세 정보</translation>
    </message>
    <message>
        <source>Stats</source>
        <translation>자원 사용량</translation>
    </message>
    <message>
        <source>Environment</source>
        <translation>환경 변수</translation>
    </message>
    <message>
        <source>Mounts</source>
        <translation>마운트</translation>
    </message>
    <message>
        <source>Ports</source>
        <translation>포트</translation>
    </message>
    <message>
        <source>Could not read the containers: %1</source>
        <translation>컨테이너 목록을 읽지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Could not read container %1: %2</source>
        <translation>컨테이너 %1을(를) 읽지 못했습니다: %2</translation>
    </message>
    <message>
        <source>%1 running of %2</source>
        <translation>%2개 중 %1개 실행 중</translation>
    </message>
    <message>
        <source>Not connected to the engine. The containers appear as soon as Berth reaches the helper.</source>
        <translation>엔진에 연결되어 있지 않습니다. Berth가 헬퍼에 연결되는 즉시 컨테이너가 표시됩니다.</translation>
    </message>
    <message>
        <source>This engine does not serve containers yet (%1).</source>
        <extracomment>%1 is the engine&apos;s technical answer</extracomment>
        <translation>이 엔진은 아직 컨테이너 기능을 제공하지 않습니다(%1).</translation>
    </message>
    <message>
        <source>This engine has no containers. Run one from an image with “Run…”, or with “berth run IMAGE”.</source>
        <translation>이 엔진에는 컨테이너가 없습니다. “실행…”으로 이미지에서 실행하거나 “berth run IMAGE”를 사용하세요.</translation>
    </message>
    <message>
        <source>Select a container to see its details.</source>
        <translation>컨테이너를 선택하면 상세 정보가 표시됩니다.</translation>
    </message>
    <message>
        <source>Select one container to see its details.</source>
        <translation>상세 정보를 보려면 컨테이너를 하나만 선택하세요.</translation>
    </message>
    <message>
        <source>read-write</source>
        <translation>읽기/쓰기</translation>
    </message>
    <message>
        <source>read-only</source>
        <translation>읽기 전용</translation>
    </message>
    <message>
        <source>Could not rename %1 to %2: %3</source>
        <translation>%1의 이름을 %2(으)로 바꾸지 못했습니다: %3</translation>
    </message>
    <message>
        <source>Could not run %1: %2</source>
        <translation>%1을(를) 실행하지 못했습니다: %2</translation>
    </message>
    <message>
        <source>Could not create a container from %1: %2</source>
        <translation>%1에서 컨테이너를 만들지 못했습니다: %2</translation>
    </message>
    <message>
        <source>Created container %1 from %2, but could not start it: %3</source>
        <translation>%2에서 컨테이너 %1을(를) 만들었지만 시작하지 못했습니다: %3</translation>
    </message>
    <message>
        <source>Started container %1 from %2.</source>
        <translation>%2에서 컨테이너 %1을(를) 시작했습니다.</translation>
    </message>
    <message>
        <source>Remove Containers</source>
        <translation>컨테이너 삭제</translation>
    </message>
    <message numerus="yes">
        <source>Remove %n container(s)?</source>
        <translation>
            <numerusform>컨테이너 %n개를 삭제할까요?</numerusform>
        </translation>
    </message>
    <message>
        <source>Force: kill running containers first</source>
        <translation>강제: 실행 중인 컨테이너를 먼저 강제 종료</translation>
    </message>
    <message>
        <source>Rename Container</source>
        <translation>컨테이너 이름 바꾸기</translation>
    </message>
    <message>
        <source>New name for %1:</source>
        <translation>%1의 새 이름:</translation>
    </message>
    <message>
        <source>Could not start %1: %2</source>
        <extracomment>%1 is a container name, %2 the reason</extracomment>
        <translation>%1을(를) 시작하지 못했습니다: %2</translation>
    </message>
    <message>
        <source>Could not stop %1: %2</source>
        <extracomment>%1 is a container name, %2 the reason</extracomment>
        <translation>%1을(를) 정지하지 못했습니다: %2</translation>
    </message>
    <message>
        <source>Could not restart %1: %2</source>
        <extracomment>%1 is a container name, %2 the reason</extracomment>
        <translation>%1을(를) 다시 시작하지 못했습니다: %2</translation>
    </message>
    <message>
        <source>Could not kill %1: %2</source>
        <extracomment>%1 is a container name, %2 the reason</extracomment>
        <translation>%1을(를) 강제 종료하지 못했습니다: %2</translation>
    </message>
    <message>
        <source>Could not remove %1: %2</source>
        <extracomment>%1 is a container name, %2 the reason</extracomment>
        <translation>%1을(를) 삭제하지 못했습니다: %2</translation>
    </message>
    <message numerus="yes">
        <source>Cancelled: %1 (%n not started).</source>
        <translation>
            <numerusform>취소됨: %1 (%n개는 시작하지 않음).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %n failed (%2).</source>
        <extracomment>%1 is the action (&quot;Stopping 3 containers&quot;), %2 the names that failed</extracomment>
        <translation>
            <numerusform>%1: %n개 실패 (%2).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Starting %n container(s)</source>
        <translation>
            <numerusform>컨테이너 %n개 시작 중</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Stopping %n container(s)</source>
        <translation>
            <numerusform>컨테이너 %n개 정지 중</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Restarting %n container(s)</source>
        <translation>
            <numerusform>컨테이너 %n개 재시작 중</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Killing %n container(s)</source>
        <translation>
            <numerusform>컨테이너 %n개 강제 종료 중</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removing %n container(s)</source>
        <translation>
            <numerusform>컨테이너 %n개 삭제 중</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::DiagnosticModel</name>
    <message>
        <source>Error</source>
        <translation>오류</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>경고</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>참고</translation>
    </message>
    <message>
        <source>%1:%2</source>
        <translation>%1:%2</translation>
    </message>
    <message>
        <source>%1 on line %2, column %3: %4</source>
        <translation>%2행 %3열의 %1: %4</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>심각도</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>행</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>메시지</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>규칙</translation>
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
    <name>Berth::Gui::ImageHistoryModel</name>
    <message>
        <source>%1 bytes</source>
        <translation>%1바이트</translation>
    </message>
    <message>
        <source>Created By</source>
        <translation>만든 명령</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>생성됨</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>크기</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>설명</translation>
    </message>
    <message>
        <source>Layer Image</source>
        <translation>레이어 이미지</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ImageListModel</name>
    <message numerus="yes">
        <source>In use (%n)</source>
        <translation>
            <numerusform>사용 중 (%n)</numerusform>
        </translation>
    </message>
    <message>
        <source>Unused</source>
        <translation>사용 안 함</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1바이트</translation>
    </message>
    <message>
        <source>The engine does not report containers yet.</source>
        <translation>엔진이 아직 컨테이너 정보를 알려 주지 않습니다.</translation>
    </message>
    <message numerus="yes">
        <source>%n container(s) use this image.</source>
        <translation>
            <numerusform>컨테이너 %n개가 이 이미지를 사용합니다.</numerusform>
        </translation>
    </message>
    <message>
        <source>Repository</source>
        <translation>저장소</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>태그</translation>
    </message>
    <message>
        <source>Image ID</source>
        <translation>이미지 ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>생성됨</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>크기</translation>
    </message>
    <message>
        <source>In Use</source>
        <translation>사용 여부</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ImagesPage</name>
    <message>
        <source>Images</source>
        <translation>이미지</translation>
    </message>
    <message>
        <source>Filter by repository, tag or ID</source>
        <translation>저장소, 태그, ID로 거르기</translation>
    </message>
    <message>
        <source>Filter images</source>
        <translation>이미지 거르기</translation>
    </message>
    <message>
        <source>Run…</source>
        <translation>실행…</translation>
    </message>
    <message>
        <source>Create and start a container from the selected image</source>
        <translation>선택한 이미지로 컨테이너를 만들고 시작합니다</translation>
    </message>
    <message>
        <source>Tag…</source>
        <translation>태그…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>삭제</translation>
    </message>
    <message>
        <source>Prune…</source>
        <translation>정리…</translation>
    </message>
    <message>
        <source>Remove images no container uses</source>
        <translation>어떤 컨테이너도 쓰지 않는 이미지를 삭제합니다</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>가져오기…</translation>
    </message>
    <message>
        <source>Create an image from a root file system tar archive</source>
        <translation>루트 파일 시스템 tar 아카이브로 이미지를 만듭니다</translation>
    </message>
    <message>
        <source>Load…</source>
        <translation>불러오기…</translation>
    </message>
    <message>
        <source>Load images from an archive made by “docker save”</source>
        <translation>“docker save”로 만든 아카이브에서 이미지를 불러옵니다</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>저장…</translation>
    </message>
    <message>
        <source>Save the selected images to an archive</source>
        <translation>선택한 이미지를 아카이브로 저장합니다</translation>
    </message>
    <message>
        <source>History</source>
        <translation>히스토리</translation>
    </message>
    <message>
        <source>Inspect</source>
        <translation>상세 정보</translation>
    </message>
    <message>
        <source>Could not read the images: %1</source>
        <translation>이미지 목록을 읽지 못했습니다: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n image(s)</source>
        <translation>
            <numerusform>이미지 %n개</numerusform>
        </translation>
    </message>
    <message>
        <source>Not connected to the engine. The images appear as soon as Berth reaches the helper.</source>
        <translation>엔진에 연결되어 있지 않습니다. Berth가 헬퍼에 연결되는 즉시 이미지가 표시됩니다.</translation>
    </message>
    <message>
        <source>No images yet. Import a root file system or load a saved image with the buttons above, or with “berth import FILE NAME” and “berth load -i FILE”.</source>
        <translation>아직 이미지가 없습니다. 위의 버튼으로 루트 파일 시스템을 가져오거나 저장된 이미지를 불러오세요. “berth import FILE NAME”과 “berth load -i FILE”도 쓸 수 있습니다.</translation>
    </message>
    <message>
        <source>Select an image to see its details.</source>
        <translation>이미지를 선택하면 상세 정보가 표시됩니다.</translation>
    </message>
    <message>
        <source>Select one image to see its details.</source>
        <translation>상세 정보를 보려면 이미지를 하나만 선택하세요.</translation>
    </message>
    <message>
        <source>Reading the image…</source>
        <translation>이미지를 읽는 중…</translation>
    </message>
    <message>
        <source>Could not read the image&apos;s history: %1</source>
        <translation>이미지 히스토리를 읽지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Tagged %1 as %2.</source>
        <translation>%1에 %2 태그를 붙였습니다.</translation>
    </message>
    <message>
        <source>Could not tag %1 as %2: %3</source>
        <translation>%1에 %2 태그를 붙이지 못했습니다: %3</translation>
    </message>
    <message>
        <source>Could not remove %1: %2</source>
        <translation>%1을(를) 삭제하지 못했습니다: %2</translation>
    </message>
    <message numerus="yes">
        <source>Removed %1 (%n layer(s) or image(s) deleted).</source>
        <translation>
            <numerusform>%1을(를) 삭제했습니다 (레이어 또는 이미지 %n개 삭제).</numerusform>
        </translation>
    </message>
    <message>
        <source>Untagged %1.</source>
        <translation>%1 태그를 떼었습니다.</translation>
    </message>
    <message>
        <source>Could not prune images: %1</source>
        <translation>이미지를 정리하지 못했습니다: %1</translation>
    </message>
    <message numerus="yes">
        <source>Pruned images: %n deleted, %1 reclaimed.</source>
        <translation>
            <numerusform>이미지 정리: %n개 삭제, %1 확보.</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancelled: %1</source>
        <translation>취소됨: %1</translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation>%1 실패: %2</translation>
    </message>
    <message>
        <source>%1: done.</source>
        <translation>%1: 완료.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Importing %1</source>
        <translation>%1 가져오는 중</translation>
    </message>
    <message>
        <source>Loading %1</source>
        <translation>%1 불러오는 중</translation>
    </message>
    <message>
        <source>Saving to %1</source>
        <translation>%1(으)로 저장하는 중</translation>
    </message>
    <message>
        <source>Tag Image</source>
        <translation>이미지 태그</translation>
    </message>
    <message>
        <source>New name for %1 (repository[:tag]):</source>
        <translation>%1의 새 이름 (저장소[:태그]):</translation>
    </message>
    <message>
        <source>Remove Images</source>
        <translation>이미지 삭제</translation>
    </message>
    <message numerus="yes">
        <source>Remove %n image(s)?</source>
        <translation>
            <numerusform>이미지 %n개를 삭제할까요?</numerusform>
        </translation>
    </message>
    <message>
        <source>Force (also images that containers use, and images with several tags)</source>
        <translation>강제 (컨테이너가 쓰는 이미지와 태그가 여러 개인 이미지도)</translation>
    </message>
    <message>
        <source>Some of these images are in use. Without Force the engine refuses to remove them.</source>
        <translation>일부 이미지가 사용 중입니다. 강제 없이는 엔진이 삭제를 거부합니다.</translation>
    </message>
    <message>
        <source>Prune Images</source>
        <translation>이미지 정리</translation>
    </message>
    <message>
        <source>Remove the dangling images (untagged and used by no container)?</source>
        <translation>댕글링 이미지(태그가 없고 어떤 컨테이너도 쓰지 않는 이미지)를 삭제할까요?</translation>
    </message>
    <message>
        <source>Prune</source>
        <translation>정리</translation>
    </message>
    <message>
        <source>All images no container uses, tagged or not</source>
        <translation>태그 여부와 상관없이 어떤 컨테이너도 쓰지 않는 모든 이미지</translation>
    </message>
    <message>
        <source>Import a Root File System</source>
        <translation>루트 파일 시스템 가져오기</translation>
    </message>
    <message>
        <source>Tar archives (*.tar *.tar.gz *.tgz *.tar.xz);;All files (*)</source>
        <translation>tar 아카이브 (*.tar *.tar.gz *.tgz *.tar.xz);;모든 파일 (*)</translation>
    </message>
    <message>
        <source>Import Image</source>
        <translation>이미지 가져오기</translation>
    </message>
    <message>
        <source>Name for the new image (repository[:tag], may be empty):</source>
        <translation>새 이미지의 이름 (저장소[:태그], 비워 둘 수 있음):</translation>
    </message>
    <message>
        <source>Load Images</source>
        <translation>이미지 불러오기</translation>
    </message>
    <message>
        <source>Image archives (*.tar *.tar.gz);;All files (*)</source>
        <translation>이미지 아카이브 (*.tar *.tar.gz);;모든 파일 (*)</translation>
    </message>
    <message>
        <source>Save Images</source>
        <translation>이미지 저장</translation>
    </message>
    <message>
        <source>Tar archives (*.tar)</source>
        <translation>tar 아카이브 (*.tar)</translation>
    </message>
    <message>
        <source>Pull…</source>
        <translation>가져오기(Pull)…</translation>
    </message>
    <message>
        <source>Download an image from a registry (%1)</source>
        <translation>레지스트리에서 이미지를 내려받습니다 (%1)</translation>
    </message>
    <message>
        <source>Push</source>
        <translation>올리기(Push)</translation>
    </message>
    <message>
        <source>Upload the selected tag to its registry (%1)</source>
        <translation>선택한 태그를 해당 레지스트리에 올립니다 (%1)</translation>
    </message>
    <message>
        <source>Log In…</source>
        <translation>로그인…</translation>
    </message>
    <message>
        <source>Store credentials for a registry, as “berth login” does (%1)</source>
        <translation>“berth login”처럼 레지스트리 자격 증명을 저장합니다 (%1)</translation>
    </message>
    <message>
        <source>Pulling %1</source>
        <translation>%1 내려받는 중</translation>
    </message>
    <message>
        <source>Pushing %1</source>
        <translation>%1 올리는 중</translation>
    </message>
    <message>
        <source>Logged in to %1.</source>
        <translation>%1에 로그인했습니다.</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::JsonTreeModel</name>
    <message>
        <source>Key</source>
        <translation>키</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>값</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::JsonTreeView</name>
    <message>
        <source>Inspect</source>
        <translation>상세 정보</translation>
    </message>
    <message>
        <source>Copy Value</source>
        <translation>값 복사</translation>
    </message>
    <message>
        <source>Copy Path</source>
        <translation>경로 복사</translation>
    </message>
    <message>
        <source>Expand All</source>
        <translation>모두 펼치기</translation>
    </message>
    <message>
        <source>Collapse All</source>
        <translation>모두 접기</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::LayerProgressModel</name>
    <message>
        <source>Waiting to download</source>
        <translation>내려받기 대기 중</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>대기 중</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>내려받는 중</translation>
    </message>
    <message>
        <source>Verifying checksum</source>
        <translation>체크섬 확인 중</translation>
    </message>
    <message>
        <source>Download complete</source>
        <translation>내려받기 완료</translation>
    </message>
    <message>
        <source>Extracting</source>
        <translation>압축 푸는 중</translation>
    </message>
    <message>
        <source>Pull complete</source>
        <translation>가져오기 완료</translation>
    </message>
    <message>
        <source>Already exists</source>
        <translation>이미 있음</translation>
    </message>
    <message>
        <source>Preparing</source>
        <translation>준비 중</translation>
    </message>
    <message>
        <source>Pushing</source>
        <translation>올리는 중</translation>
    </message>
    <message>
        <source>Pushed</source>
        <translation>올리기 완료</translation>
    </message>
    <message>
        <source>Layer already exists</source>
        <translation>레이어가 이미 있음</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>Layer %1: %2</source>
        <translation>레이어 %1: %2</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>레이어</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>진행</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::LogView</name>
    <message>
        <source>Container output</source>
        <translation>컨테이너 출력</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>따라가기</translation>
    </message>
    <message>
        <source>Keep the newest line in view</source>
        <translation>가장 새 줄을 계속 보여 줍니다</translation>
    </message>
    <message>
        <source>Timestamps</source>
        <translation>타임스탬프</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>시작 시점</translation>
    </message>
    <message>
        <source>All output</source>
        <translation>전체 출력</translation>
    </message>
    <message>
        <source>Last 5 minutes</source>
        <translation>최근 5분</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>최근 1시간</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>최근 24시간</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>최근 7일</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>검색</translation>
    </message>
    <message>
        <source>Search the output</source>
        <translation>출력 검색</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>이전</translation>
    </message>
    <message>
        <source>Previous match (Shift+Enter)</source>
        <translation>이전 일치 (Shift+Enter)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>다음</translation>
    </message>
    <message>
        <source>Next match (Enter, F3)</source>
        <translation>다음 일치 (Enter, F3)</translation>
    </message>
    <message>
        <source>The output ended: the container is not running.</source>
        <translation>출력이 끝났습니다: 컨테이너가 실행 중이 아닙니다.</translation>
    </message>
    <message>
        <source>Could not read the output: %1</source>
        <translation>출력을 읽지 못했습니다: %1</translation>
    </message>
    <message>
        <source>No matches</source>
        <translation>일치 없음</translation>
    </message>
    <message numerus="yes">
        <source>%n match(es)</source>
        <translation>
            <numerusform>%n개 일치</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::LoginDialog</name>
    <message>
        <source>Log In to a Registry</source>
        <translation>레지스트리에 로그인</translation>
    </message>
    <message>
        <source>Registry</source>
        <translation>레지스트리</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>사용자 이름</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>비밀번호</translation>
    </message>
    <message>
        <source>Log In</source>
        <translation>로그인</translation>
    </message>
    <message>
        <source>&amp;Registry:</source>
        <translation>레지스트리(&amp;R):</translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation>사용자 이름(&amp;U):</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>비밀번호(&amp;W):</translation>
    </message>
    <message>
        <source>The credentials are checked by the engine and stored in %1, where “berth login” keeps them.</source>
        <translation>자격 증명은 엔진이 확인한 뒤 “berth login”과 같은 파일인 %1에 저장됩니다.</translation>
    </message>
    <message>
        <source>Enter a username.</source>
        <translation>사용자 이름을 입력하세요.</translation>
    </message>
    <message>
        <source>Enter a password.</source>
        <translation>비밀번호를 입력하세요.</translation>
    </message>
    <message>
        <source>Checking the credentials with %1…</source>
        <translation>%1에서 자격 증명을 확인하는 중…</translation>
    </message>
    <message>
        <source>Login failed: %1</source>
        <translation>로그인 실패: %1</translation>
    </message>
    <message>
        <source>Could not save the credentials: %1</source>
        <translation>자격 증명을 저장하지 못했습니다: %1</translation>
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
    <message>
        <source>Details…</source>
        <translation>자세히…</translation>
    </message>
    <message>
        <source>Show the full message (%1)</source>
        <translation>전체 메시지 보기 (%1)</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>자세히</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::ProgressPanel</name>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Stops %1</source>
        <translation>%1 중지</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%2 중 %1</translation>
    </message>
    <message>
        <source>Layers of %1</source>
        <translation>%1의 레이어</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n layer(s) done</source>
        <translation>
            <numerusform>레이어 %n개 중 %1개 완료</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Berth::Gui::PullDialog</name>
    <message>
        <source>Pull Image</source>
        <translation>이미지 가져오기</translation>
    </message>
    <message>
        <source>e.g. busybox, debian:12, localhost:5000/app:1</source>
        <translation>예: busybox, debian:12, localhost:5000/app:1</translation>
    </message>
    <message>
        <source>Image reference</source>
        <translation>이미지 참조</translation>
    </message>
    <message>
        <source>Platform</source>
        <translation>플랫폼</translation>
    </message>
    <message>
        <source>Leave empty for the engine&apos;s own platform</source>
        <translation>비워 두면 엔진의 플랫폼을 씁니다</translation>
    </message>
    <message>
        <source>Pull</source>
        <translation>가져오기</translation>
    </message>
    <message>
        <source>&amp;Image:</source>
        <translation>이미지(&amp;I):</translation>
    </message>
    <message>
        <source>&amp;Platform:</source>
        <translation>플랫폼(&amp;P):</translation>
    </message>
    <message>
        <source>Not a valid image reference: %1</source>
        <translation>올바른 이미지 참조가 아닙니다: %1</translation>
    </message>
</context>
<context>
    <name>Berth::Gui::RunDialog</name>
    <message>
        <source>Run a Container</source>
        <translation>컨테이너 실행</translation>
    </message>
    <message>
        <source>A generated name</source>
        <translation>자동으로 만든 이름</translation>
    </message>
    <message>
        <source>8080:80, 127.0.0.1:8443:443</source>
        <translation>8080:80, 127.0.0.1:8443:443</translation>
    </message>
    <message>
        <source>KEY=value, one per line</source>
        <translation>KEY=value, 한 줄에 하나씩</translation>
    </message>
    <message>
        <source>/host/path:/container/path[:ro] or volume:/path, one per line</source>
        <translation>/호스트/경로:/컨테이너/경로[:ro] 또는 볼륨:/경로, 한 줄에 하나씩</translation>
    </message>
    <message>
        <source>The image&apos;s default command</source>
        <translation>이미지의 기본 명령</translation>
    </message>
    <message>
        <source>Default (bridge)</source>
        <translation>기본 (브리지)</translation>
    </message>
    <message>
        <source>None (no network)</source>
        <translation>없음 (네트워크 없음)</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>호스트</translation>
    </message>
    <message>
        <source>Detached (in the background)</source>
        <translation>분리 실행 (백그라운드)</translation>
    </message>
    <message>
        <source>Interactive (a terminal and open input, -it)</source>
        <translation>대화형 (터미널과 열린 입력, -it)</translation>
    </message>
    <message>
        <source>Remove the container when it stops (--rm)</source>
        <translation>멈추면 컨테이너 삭제 (--rm)</translation>
    </message>
    <message>
        <source>&amp;Image:</source>
        <translation>이미지(&amp;I):</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>이름(&amp;N):</translation>
    </message>
    <message>
        <source>&amp;Ports:</source>
        <translation>포트(&amp;P):</translation>
    </message>
    <message>
        <source>&amp;Environment:</source>
        <translation>환경 변수(&amp;E):</translation>
    </message>
    <message>
        <source>&amp;Volumes:</source>
        <translation>볼륨(&amp;V):</translation>
    </message>
    <message>
        <source>&amp;Command:</source>
        <translation>명령(&amp;C):</translation>
    </message>
    <message>
        <source>Ne&amp;twork:</source>
        <translation>네트워크(&amp;T):</translation>
    </message>
    <message>
        <source>Mode:</source>
        <translation>모드:</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>실행</translation>
    </message>
    <message>
        <source>Check the entries: %1</source>
        <extracomment>%1 is the technical reason in English</extracomment>
        <translation>입력한 내용을 확인하세요: %1</translation>
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
    <name>Berth::Gui::StatsGraph</name>
    <message>
        <source>%1: %2</source>
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
